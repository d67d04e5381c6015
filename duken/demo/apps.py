from django.apps import AppConfig


class DemoConfig(AppConfig):
    """What exists only for the demo store: the Online Retail importer with its category and
    weight rules, and the ``import-retail`` and ``demo`` commands."""

    name = "duken.demo"
    label = "demo"
