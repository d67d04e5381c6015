from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "duken.checkout"
    label = "checkout"

    def ready(self):
        from duken.core import recurring

        from . import signals  # noqa: F401

        recurring.register(
            "checkout.purge-carts", "duken.checkout.tasks.purge_stale_carts_task", every=24 * 3600
        )
