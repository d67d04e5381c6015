from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """Every message that leaves the shop (e-mails now, webhooks later): written in the same
    transaction as the change that causes it, delivered by the worker with retries."""

    name = "duken.outbox"
    label = "outbox"
    verbose_name = _("Outgoing messages")
