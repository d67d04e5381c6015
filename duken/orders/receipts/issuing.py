"""Writing receipts: one per paid order, signed when the order becomes paid, in the same
transaction (``orders.services`` calls ``issue`` where it records the payment). Orders paid
before receipts existed get theirs from ``issue_missing`` (``duken receipts issue``)."""

import base64
import secrets

from django.db import transaction
from django.utils import timezone

from ..models import Order, Receipt
from . import keyring
from .documents import build_document, canonical

# Orders signed per transaction by ``issue_missing``.
BATCH = 200


def issue(order: Order) -> Receipt:
    """The receipt of ``order``, signed now if it has none yet (idempotent). Runs in the
    transaction that records the payment, with the order's row locked."""
    existing = Receipt.objects.filter(order=order).first()
    if existing is not None:
        return existing
    if order.paid_at is None:
        raise ValueError(f"order {order.number} is not paid: it has no receipt")
    private, key = keyring.signing_key()
    issued_at = timezone.now()
    data = canonical(build_document(order, issued_at=issued_at))
    return Receipt.objects.create(
        order=order,
        code=secrets.token_urlsafe(16),
        document=data.decode("utf-8"),
        signature=base64.b64encode(private.sign(data)).decode("ascii"),
        key=key,
        issued_at=issued_at,
    )


def orders_without_receipt():
    return Order.objects.filter(paid_at__isnull=False, receipt__isnull=True)


def issue_missing() -> int:
    """Sign a receipt for every paid order that has none (orders paid before receipts
    existed, imported history); returns how many. Safe to run again: it finds nothing."""
    issued = 0
    while True:
        with transaction.atomic():
            batch = list(
                orders_without_receipt()
                .select_for_update(of=("self",))
                .order_by("pk")
                .prefetch_related("lines")[:BATCH]
            )
            for order in batch:
                issue(order)
        issued += len(batch)
        if len(batch) < BATCH:
            return issued
