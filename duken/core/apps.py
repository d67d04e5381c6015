from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "duken.core"
    label = "core"
