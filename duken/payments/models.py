import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Payment(models.Model):
    """One attempt to collect an order's money through a provider. Duken never stores card
    numbers: card data stays on the provider's hosted page."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        DECLINED = "declined", _("declined")
        TIMED_OUT = "timed_out", _("timed out")
        CANCELLED = "cancelled", _("cancelled")
        REFUNDED = "refunded", _("refunded")

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(_("provider"), max_length=32)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="KZT")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # Shown to the buyer (bank transfer reference) and sent to providers.
    reference = models.CharField(_("payment reference"), max_length=32, unique=True)
    # Sent with every provider request so a retried request never charges twice.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider_reference = models.CharField(max_length=64, blank=True)
    # A payment the provider has not confirmed by then counts as timed out.
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        "customers.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]

    def __str__(self):
        return self.reference


class PaymentCallback(models.Model):
    """Every callback a provider sent, accepted or rejected, for the audit trail."""

    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks"
    )
    provider = models.CharField(max_length=32)
    payload = models.JSONField()
    accepted = models.BooleanField()
    reason = models.CharField(max_length=200, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment callback")
        verbose_name_plural = _("payment callbacks")
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.provider} {self.received_at:%Y-%m-%d %H:%M:%S}"


class SandboxCharge(models.Model):
    """The sandbox provider's own ledger: one charge per idempotency key, so a form submitted
    twice never charges twice. Like a real provider it keeps the outcome, never the card."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", _("succeeded")
        DECLINED = "declined", _("declined")
        NO_ANSWER = "no_answer", _("no answer (timeout)")
        CANCELLED = "cancelled", _("cancelled by the buyer")

    idempotency_key = models.UUIDField(unique=True)
    reference = models.CharField(max_length=32)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox charge")
        verbose_name_plural = _("sandbox charges")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.reference} {self.outcome}"
