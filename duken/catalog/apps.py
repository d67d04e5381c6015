from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "duken.catalog"
    label = "catalog"

    def ready(self):
        from . import signals  # noqa: F401  (connects the search index receivers)
