from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "duken.core"
    label = "core"

    def ready(self):
        from . import checks  # noqa: F401  (registers Duken's system checks)
