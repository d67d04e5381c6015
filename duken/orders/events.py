"""The order timeline: every status change is written here, and the changes a customer cares
about are queued as e-mails in the outbox in the same transaction."""

import logging

from django.utils import timezone

from .emails import queue_event_email
from .models import Order, OrderEvent
from .signals import order_placed, order_status_changed

logger = logging.getLogger(__name__)


def record_event(order, *, from_status: str, to_status: str, actor=None, note: str = ""):
    """Append an event to the order's timeline, with the customer's e-mail about it when it
    calls for one (queued in the caller's transaction: both commit or neither does)."""
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
    queue_event_email(event)
    if not from_status and to_status:
        order_placed.send(sender=Order, order=order)
    elif from_status != to_status:
        order_status_changed.send(
            sender=Order, order=order, from_status=from_status, to_status=to_status
        )
    return event
