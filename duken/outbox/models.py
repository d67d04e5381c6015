import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """One outgoing message and its delivery. Written in the transaction of the change that
    causes it (an order paid, a question answered), so it exists exactly when that change does;
    the worker delivers it, retrying with back-off. Its ``idempotency_key`` travels in the
    message's headers, so a receiver that gets it twice (the worker died after sending, before
    recording it) can tell. Delivered messages are the shop's log of what it sent."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    # What caused it, e.g. "order-event:123": one message per cause, however often it is asked.
    key = models.CharField(_("cause"), max_length=200, unique=True)
    idempotency_key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel, default=Channel.EMAIL)
    # What the message is about, e.g. "order_shipped"; stored values never change.
    kind = models.CharField(_("kind"), max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outgoing_messages",
        verbose_name=_("customer"),
    )
    # What it refers to, e.g. the order number.
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    sender = models.CharField(_("from"), max_length=254)
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255)
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # A worker that claimed the message holds it until then; after that another may retry.
    locked_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["user", "-created_at"], name="outbox_customer_time"),
        ]

    def __str__(self):
        return self.subject
