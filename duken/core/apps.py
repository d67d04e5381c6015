from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "duken.core"
    label = "core"

    def ready(self):
        from .converters import TextConverter

        register_converter(TextConverter, "text")
