from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "duken.payments"
    label = "payments"

    def ready(self):
        from duken.core import recurring

        # Card payments also time out by a deferred task and on the buyer's return; the sweep
        # catches those no worker was up for.
        recurring.register(
            "payments.expire-stale", "duken.payments.tasks.expire_stale_payments_task", every=300
        )
