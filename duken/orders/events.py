"""The order timeline: every status change is written here, and the changes a customer cares
about leave as an e-mail task once the transaction has committed."""

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone

from .models import OrderEvent, OrderStatus

logger = logging.getLogger(__name__)

# Status changes the customer is told about by e-mail ("placed" is the first event).
NOTIFY_STATUSES = frozenset(
    {
        OrderStatus.PAID,
        OrderStatus.AWAITING_STOCK,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.CANCELLED,
        OrderStatus.RETURNED,
        OrderStatus.REFUNDED,
    }
)
PLACED = "placed"


def email_kind(event: OrderEvent) -> str | None:
    """Which customer e-mail an event calls for, if any."""
    if not event.from_status and event.to_status:
        return PLACED
    if event.from_status != event.to_status and event.to_status in NOTIFY_STATUSES:
        return event.to_status
    return None


def record_event(order, *, from_status: str, to_status: str, actor=None, note: str = ""):
    """Append an event to the order's timeline; schedule the customer e-mail after commit."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = OrderEvent.objects.create(
        order=order,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        # NUL characters are never meant and PostgreSQL cannot store them.
        note=str(note or "").replace("\x00", ""),
        created_at=timezone.now(),
    )
    if email_kind(event):
        # E-mail leaves only once the change is durable, never from inside a lock.
        transaction.on_commit(partial(_enqueue_email, event.pk), robust=True)
    return event


def _enqueue_email(event_id: int) -> None:
    from .tasks import send_order_email

    send_order_email.enqueue(event_id)
