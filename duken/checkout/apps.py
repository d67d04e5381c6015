from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "duken.checkout"
    label = "checkout"

    def ready(self):
        from . import signals  # noqa: F401
