from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """Every message that leaves the shop (e-mails now, webhooks later): written in the same
    transaction as the change that causes it, delivered by the worker with retries."""

    name = "duken.outbox"
    label = "outbox"
    verbose_name = _("Outgoing messages")

    def ready(self):
        from duken.core import recurring

        # Each message is nudged to the worker after its commit; this sweep sends what a nudge
        # missed (the process died right after the commit) and the retries that fall due.
        recurring.register(
            "outbox.deliver-due", "duken.outbox.tasks.deliver_due_messages", every=60
        )
