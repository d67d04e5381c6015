from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "duken.privacy"
    label = "privacy"

    def ready(self):
        from duken.interactions.visitor import register_keep_check

        from . import signals  # noqa: F401
        from .services import may_keep_visitor_id

        register_keep_check(may_keep_visitor_id)
