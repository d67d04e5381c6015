"""What payment providers report: their signed server-to-server callbacks and the signed result
a buyer brings back from the payment page. Each is checked by its provider, recorded (accepted
or not, for the audit trail) and applied to the payment and its order under row locks."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from duken.core import audit, jsondata
from duken.core.clients import client_ip
from duken.core.money import quantize
from duken.orders import services as orders

from .models import Payment, PaymentCallback
from .providers import (
    CallbackRejected,
    CallbackResult,
    UnknownProvider,
    get_provider,
    provider_for_slug,
)
from .services import FINAL, S, _expire

logger = logging.getLogger("duken.payments")


@dataclass
class CallbackOutcome:
    accepted: bool
    status_code: int
    reason: str
    payment: Payment | None = None


def _client_ip(request):
    return client_ip(request) or None


def _record(provider_code, payload, *, accepted, reason, payment=None, request=None):
    PaymentCallback.objects.create(
        payment=payment,
        # an unknown provider's name comes from the URL, of any length
        provider=provider_code[: PaymentCallback._meta.get_field("provider").max_length],
        payload=payload,
        accepted=accepted,
        reason=reason[:200],
        remote_addr=_client_ip(request) if request is not None else None,
    )


def _reject(provider_code, reason, payload, *, request, status_code=400, payment=None):
    audit.record(
        audit.PAYMENT_CALLBACK,
        obj=payment,
        request=request,
        object_type="" if payment else "payments.payment",
        object_repr="" if payment else str(payload.get("reference") or "")[:64],
        summary=f"{provider_code}: rejected, {reason}",
    )
    logger.warning(
        "payment callback rejected",
        extra={"provider": provider_code, "reason": reason, "reference": payload.get("reference")},
    )
    _record(provider_code, payload, accepted=False, reason=reason, payment=payment, request=request)
    return CallbackOutcome(False, status_code, reason, payment)


def _apply(provider, result: CallbackResult, *, actor=None) -> tuple[int, str, Payment | None]:
    """Apply an authentic result under a lock on the payment. Returns (HTTP status, reason,
    payment); a status >= 400 means nothing changed."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .select_related("order")
            .filter(reference=result.reference, provider=provider.code)
            .first()
        )
        if payment is None:
            return 400, "unknown payment reference", None
        if str(payment.idempotency_key) != result.idempotency_key:
            return 400, "idempotency key does not match", payment
        if result.currency != payment.currency or quantize(
            result.amount, payment.currency
        ) != quantize(payment.amount, payment.currency):
            return 400, "amount or currency does not match", payment
        if result.status == payment.status:
            return 200, f"repeated: already {payment.status}", payment
        if result.status not in (S.SUCCEEDED, S.DECLINED, S.CANCELLED):
            return 200, f"nothing to do for {result.status}", payment
        if payment.status in FINAL:
            return 409, f"payment is already {payment.status}", payment
        if result.status == S.CANCELLED and payment.status != S.PENDING:
            return 409, f"payment is already {payment.status}", payment
        # pending, or timed out and confirmed late: the money did move, so it counts.
        audit.record(
            audit.PAYMENT_CALLBACK,
            obj=payment,
            actor=actor,
            summary=f"{provider.code}: {result.status}, {payment.amount} {payment.currency}",
            changes={"status": (payment.status, result.status)},
        )
        payment.status = result.status
        payment.provider_reference = result.provider_reference[:64]
        payment.save(update_fields=["status", "provider_reference", "updated_at"])
        if result.status == S.SUCCEEDED:
            try:
                orders.mark_paid(
                    payment.order,
                    actor=actor,
                    note=_("Paid online, payment %(reference)s.")
                    % {"reference": payment.reference},
                )
            except orders.IllegalTransition as exc:
                # The order was cancelled meanwhile: keep the money on record for a refund.
                logger.warning(
                    "payment succeeded for an order that cannot be paid",
                    extra={"reference": payment.reference, "error": exc.message},
                )
                return 200, "succeeded; order cannot be paid, refund needed", payment
        return 200, result.status, payment


def handle_callback(provider_code: str, request) -> CallbackOutcome:
    """Verify and apply one server-to-server callback; every callback is kept for audit.
    Tampered, stale or mismatched callbacks are rejected (400), logged and change nothing;
    a repeated callback is acknowledged and changes nothing."""
    try:
        provider = provider_for_slug(provider_code)
    except UnknownProvider:
        return _reject(provider_code, "unknown provider", _payload(request), request=request)
    try:
        result = provider.handle_callback(request)
    except CallbackRejected as exc:
        payload = exc.payload or _payload(request)
        return _reject(provider.slug, exc.reason, payload, request=request)
    status_code, reason, payment = _apply(provider, result)
    if status_code >= 400:
        return _reject(
            provider.slug,
            reason,
            result.payload,
            request=request,
            status_code=status_code,
            payment=payment,
        )
    _record(
        provider.slug,
        result.payload,
        accepted=True,
        reason=reason,
        payment=payment,
        request=request,
    )
    logger.info(
        "payment callback accepted",
        extra={"provider": provider.slug, "reference": result.reference, "result": reason},
    )
    return CallbackOutcome(True, status_code, reason, payment)


def _payload(request) -> dict:
    """A rejected body as it came, for the audit trail (bounded)."""
    try:
        data = jsondata.loads(request.body)
        return data if isinstance(data, dict) else {"body": str(data)[:1000]}
    except ValueError:
        # as text a JSON column keeps: PostgreSQL refuses the NUL character
        text = request.body[:1000].decode("utf-8", "replace").replace("\x00", "\ufffd")
        return {"body": text}


def apply_return(payment: Payment, request) -> Payment:
    """The buyer came back from the provider: apply the signed result they bring (the same
    way as a callback, so whichever arrives first counts once) and time out a stale payment."""
    provider = get_provider(payment.provider)
    try:
        result = provider.verify_return(request, payment)
    except CallbackRejected as exc:
        logger.warning(
            "payment return rejected", extra={"reference": payment.reference, "reason": exc.reason}
        )
        result = None
    if result is not None and result.status in (S.SUCCEEDED, S.DECLINED, S.CANCELLED):
        _apply(provider, result)
    payment.refresh_from_db()
    _expire(payment)
    return payment
