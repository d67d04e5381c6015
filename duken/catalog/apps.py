from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "duken.catalog"
    label = "catalog"
