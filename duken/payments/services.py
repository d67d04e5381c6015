"""Payments: starting them, staff confirmations, timeouts. What providers report is applied in
``callbacks``."""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks.exceptions import InvalidTaskError

from duken.core import audit
from duken.core.money import quantize
from duken.orders import services as orders
from duken.orders.models import Order, OrderStatus

from .models import Payment
from .providers import (
    PaymentProvider,
    PaymentStart,
    UnknownProvider,
    get_provider,
    get_providers,
)

__all__ = [
    "PaymentError",
    "PaymentMethodInfo",
    "confirm_bank_transfer",
    "confirm_cash_received",
    "expire_stale_payments",
    "open_payment",
    "latest_payment",
    "payment_for_access",
    "payment_instructions",
    "payment_methods",
    "payment_status_url",
    "start_payment",
    "switch_payment_method",
]

logger = logging.getLogger("duken.payments")
S = Payment.Status
# No 0/O, 1/I/L: references are typed into banking apps and read over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ACCESS_SALT = "duken.payments.access"
FINAL = {S.SUCCEEDED, S.DECLINED, S.CANCELLED, S.REFUNDED}


class PaymentError(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class PaymentMethodInfo:
    code: str
    name: str
    description: str
    # A test gateway (the sandbox): the buyer is told that no money is taken.
    is_test: bool = False


def payment_methods(order=None, *, digital_only: bool = False) -> list[PaymentMethodInfo]:
    """The methods a buyer may choose; cash on delivery needs something to deliver."""
    if order is not None:
        digital_only = not order.lines.filter(is_digital=False).exists()
    return [
        PaymentMethodInfo(code, str(p.name), str(p.description), p.is_test)
        for code, p in get_providers().items()
        if not (digital_only and code == "cash_on_delivery")
    ]


def new_reference() -> str:
    while True:
        reference = "PAY-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        if not Payment.objects.filter(reference=reference).exists():
            return reference


def payment_status_url(payment: Payment) -> str:
    """The buyer's page for this payment; the signed reference is the buyer's key to it."""
    token = signing.Signer(salt=ACCESS_SALT).sign(payment.reference)
    return reverse("payments:status", args=[token])


def payment_for_access(token: str) -> Payment:
    """The payment a status-page token opens; raises ``Payment.DoesNotExist`` otherwise."""
    try:
        reference = signing.Signer(salt=ACCESS_SALT).unsign(token)
    except signing.BadSignature:
        raise Payment.DoesNotExist from None
    return Payment.objects.select_related("order").get(reference=reference)


def latest_payment(order) -> Payment | None:
    return order.payments.order_by("-created_at", "-pk").first()


def _expire(payment: Payment) -> bool:
    if payment.status == S.PENDING and payment.expires_at and payment.expires_at <= timezone.now():
        updated = Payment.objects.filter(pk=payment.pk, status=S.PENDING).update(
            status=S.TIMED_OUT, updated_at=timezone.now()
        )
        payment.status = S.TIMED_OUT
        if updated:
            logger.info("payment timed out", extra={"reference": payment.reference})
        return True
    return False


def start_payment(order, *, request) -> PaymentStart:
    """Start (or resume) collecting the order's money with its chosen method.

    A pending payment of the same method is reused, so reloading or going back never opens
    a second charge; a new payment (new reference and idempotency key) is only made after
    the previous one failed or timed out. The provider is called after the payment row is
    committed, never inside the lock."""
    payment, provider = _pending_payment(order)
    payment.order = order
    return provider.start(payment, request=request)


def open_payment(order) -> Payment:
    """The order's pending payment with its chosen method, made when there is none. Called
    inside the transaction that places an order, so an order never stands without the payment
    it waits for; the provider is asked to collect it later (``start_payment``)."""
    return _pending_payment(order)[0]


def _pending_payment(order) -> tuple[Payment, PaymentProvider]:
    try:
        provider = get_provider(order.payment_method)
    except UnknownProvider:
        raise PaymentError(_("This payment method is no longer available.")) from None
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.paid_at is not None:
            raise PaymentError(_("This order has already been paid."))
        if locked.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.RETURNED):
            raise PaymentError(_("This order was cancelled and cannot be paid."))
        payment = (
            locked.payments.select_for_update()
            .filter(provider=provider.code, status=S.PENDING)
            .order_by("-created_at")
            .first()
        )
        if payment is not None and _expire(payment):
            payment = None
        if payment is None:
            expires = provider.expires_after
            payment = Payment.objects.create(
                order=locked,
                provider=provider.code,
                amount=quantize(locked.total, locked.currency),
                currency=locked.currency,
                reference=new_reference(),
                expires_at=timezone.now() + timedelta(seconds=expires) if expires else None,
            )
            if expires:
                transaction.on_commit(lambda: _schedule_expiry(payment))
    return payment, provider


def _schedule_expiry(payment: Payment) -> None:
    """Ask the worker to time the payment out; without deferred tasks the buyer's return and
    ``expire_stale_payments`` do it instead."""
    from .tasks import expire_stale_payments_task

    run_after = payment.expires_at + timedelta(seconds=1)
    try:
        expire_stale_payments_task.using(run_after=run_after).enqueue()
    except InvalidTaskError:  # a backend without deferred tasks (the immediate one)
        logger.info("payment expiry not scheduled", extra={"reference": payment.reference})


def payment_instructions(order) -> dict | None:
    """What the buyer must do for the order's open payment (bank details and reference,
    or the cash-on-delivery note), or None."""
    payment = latest_payment(order)
    if payment is None or payment.status != S.PENDING:
        return None
    try:
        provider = get_provider(payment.provider)
    except UnknownProvider:
        return None
    if provider.code not in ("bank_transfer", "cash_on_delivery"):
        return None
    return provider.start(payment, request=None).instructions


def switch_payment_method(order, code: str) -> Order:
    """Let the buyer pay an unpaid order another way (after a declined card, say)."""
    try:
        get_provider(code)
    except UnknownProvider:
        raise PaymentError(_("Choose a payment method.")) from None
    if code not in {m.code for m in payment_methods(order)}:
        raise PaymentError(_("This payment method is not available for this order."))
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.paid_at is not None or locked.status != OrderStatus.AWAITING_PAYMENT:
            raise PaymentError(_("The payment method of this order can no longer change."))
        if locked.payment_method != code:
            locked.payments.filter(status=S.PENDING).update(
                status=S.CANCELLED, updated_at=timezone.now()
            )
            locked.payment_method = code
            locked.save(update_fields=["payment_method", "updated_at"])
    order.payment_method = code
    return order


# --- staff ------------------------------------------------------------------------------------


def _confirm(payment: Payment, *, actor, provider_code: str, note: str) -> Payment:
    with transaction.atomic():
        locked = Payment.objects.select_for_update().select_related("order").get(pk=payment.pk)
        if locked.provider != provider_code:
            raise PaymentError(
                _("Payment %(reference)s is not a %(method)s payment.")
                % {"reference": locked.reference, "method": get_provider(provider_code).name}
            )
        if locked.status == S.SUCCEEDED:
            return locked
        if locked.status not in (S.PENDING, S.TIMED_OUT):
            raise PaymentError(
                _("Payment %(reference)s is %(status)s and cannot be confirmed.")
                % {"reference": locked.reference, "status": locked.get_status_display()}
            )
        audit.record(
            audit.PAYMENT_CONFIRM,
            obj=locked,
            actor=actor,
            summary=f"{locked.amount} {locked.currency}, order {locked.order.number}",
            changes={"status": (locked.status, S.SUCCEEDED)},
        )
        locked.status = S.SUCCEEDED
        locked.confirmed_by = actor
        locked.save(update_fields=["status", "confirmed_by", "updated_at"])
        try:
            orders.mark_paid(locked.order, actor=actor, note=note % {"reference": locked.reference})
        except orders.IllegalTransition as exc:
            raise PaymentError(exc.message) from None
    payment.status, payment.confirmed_by = locked.status, locked.confirmed_by
    return locked


def confirm_bank_transfer(payment: Payment, *, actor) -> Payment:
    """Staff saw the transfer arrive: the payment succeeded and the order is paid."""
    return _confirm(
        payment,
        actor=actor,
        provider_code="bank_transfer",
        note=_("Bank transfer %(reference)s received."),
    )


def confirm_cash_received(payment: Payment, *, actor) -> Payment:
    """The courier handed in the cash for this order."""
    return _confirm(
        payment,
        actor=actor,
        provider_code="cash_on_delivery",
        note=_("Cash for %(reference)s received on delivery."),
    )


def expire_stale_payments() -> int:
    """Time out every payment its provider did not confirm in time; returns how many."""
    stale = Payment.objects.filter(status=S.PENDING, expires_at__lte=timezone.now())
    references = list(stale.values_list("reference", flat=True))
    count = stale.update(status=S.TIMED_OUT, updated_at=timezone.now())
    if count:
        logger.info("payments timed out", extra={"count": count, "references": references})
    return count
