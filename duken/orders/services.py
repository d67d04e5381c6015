"""Orders: moving them through their life (``transition``). They are placed by completing a
checkout (``duken.checkout.complete``), which writes them with ``placing.create_order``.

The state machine
-----------------
Every move is listed in ``TRANSITIONS``; a move may also need a condition (``GUARDS``).
``transition()`` applies a move under a row lock on the order and writes an ``OrderEvent``.

=================  =====================================================================
from               allowed moves
=================  =====================================================================
awaiting_payment   paid; packed (cash on delivery, nothing backordered);
                   awaiting_stock (cash on delivery with backordered lines); cancelled
paid               packed (nothing backordered); awaiting_stock (backordered lines);
                   completed (digital goods only: delivered by download link); cancelled
awaiting_stock     packed (the missing units arrived); cancelled
packed             shipped; cancelled
shipped            delivered; returned (refused at the door or sent back by the carrier)
delivered          completed; returned
completed          returned (within the return period)
cancelled          refunded (only when the order had been paid)
returned           refunded (only when the order had been paid)
refunded           -- (final)
=================  =====================================================================

Side effects, each inside the same transaction as the move:

* cancelling (always before shipping) releases the reserved stock back to the shelf;
* awaiting_stock -> packed takes the backordered units from stock, so staff first book the
  arrived delivery into the product's stock; the move is refused while units are missing;
* paid sets ``paid_at``; a cash-on-delivery order becomes paid when it is delivered;
* whenever ``paid_at`` is set, the order's signed receipt is issued (``orders.receipts``);
* ``mark_paid()`` moves a paid order with backordered lines on to awaiting_stock, and records a
  payment received for a cash-on-delivery order that has already moved on without a move.

Returned goods are not put back into stock automatically: staff inspect them and adjust the
product's stock in the back office.

The customer is e-mailed when an order is placed and on the moves to paid, awaiting_stock,
shipped, delivered, cancelled, returned and refunded (see ``orders.events``).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duken.catalog import stock
from duken.core import audit

from .events import record_event
from .models import Order, OrderEvent, OrderStatus
from .receipts.issuing import issue as issue_receipt

__all__ = [
    "IllegalTransition",
    "InsufficientStock",
    "TRANSITIONS",
    "allowed_transitions",
    "mark_paid",
    "order_timeline",
    "transition",
]

InsufficientStock = stock.InsufficientStock
S = OrderStatus
CASH_ON_DELIVERY = "cash_on_delivery"

TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.PACKED, S.AWAITING_STOCK, S.CANCELLED}),
    S.PAID: frozenset({S.PACKED, S.AWAITING_STOCK, S.COMPLETED, S.CANCELLED}),
    S.AWAITING_STOCK: frozenset({S.PACKED, S.CANCELLED}),
    S.PACKED: frozenset({S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.RETURNED}),
    S.DELIVERED: frozenset({S.COMPLETED, S.RETURNED}),
    S.COMPLETED: frozenset({S.RETURNED}),
    S.CANCELLED: frozenset({S.REFUNDED}),
    S.RETURNED: frozenset({S.REFUNDED}),
    S.REFUNDED: frozenset(),
}


class IllegalTransition(Exception):
    """A move the state machine does not allow; the message says why."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def _is_cod(order) -> bool:
    return order.payment_method == CASH_ON_DELIVERY


def _backordered(order) -> bool:
    return order.lines.filter(backordered_quantity__gt=0).exists()


def _digital_only(order) -> bool:
    return not order.lines.filter(is_digital=False).exists()


def _guard(order, to_status) -> str | None:
    """Why the move is not possible for this particular order, or None when it is."""
    frm = order.status
    if frm == S.AWAITING_PAYMENT and to_status in (S.PACKED, S.AWAITING_STOCK):
        if not _is_cod(order):
            return _("The order has not been paid yet.")
    if frm in (S.AWAITING_PAYMENT, S.PAID) and to_status == S.PACKED and _backordered(order):
        return _("Some units are backordered: the order waits for stock first.")
    if frm in (S.AWAITING_PAYMENT, S.PAID) and to_status == S.AWAITING_STOCK:
        if not _backordered(order):
            return _("Every unit of this order is in stock.")
    if frm == S.PAID and to_status == S.COMPLETED and not _digital_only(order):
        return _("Only orders of digital goods are completed without delivery.")
    if to_status == S.REFUNDED and order.paid_at is None:
        return _("The order was never paid, so there is nothing to refund.")
    return None


def _refusal(order, to_status) -> str | None:
    if to_status not in S.values:
        return _("“%(status)s” is not an order status.") % {"status": to_status}
    if to_status not in TRANSITIONS[order.status]:
        return _("An order that is “%(from)s” cannot become “%(to)s”.") % {
            "from": S(order.status).label,
            "to": S(to_status).label,
        }
    return _guard(order, to_status)


def allowed_transitions(order: Order) -> list[str]:
    """The statuses this order can move to now, in the order of the status list."""
    return [s for s in S.values if s in TRANSITIONS[order.status] and _guard(order, s) is None]


def _apply(locked: Order, to_status: str, *, actor, note: str) -> Order:
    reason = _refusal(locked, to_status)
    if reason:
        raise IllegalTransition(
            _("Order %(number)s: %(reason)s") % {"number": locked.number, "reason": reason}
        )
    from_status = locked.status
    fields = ["status", "updated_at"]
    if to_status == S.CANCELLED:
        stock.release(locked)
    if from_status == S.AWAITING_STOCK and to_status == S.PACKED:
        try:
            stock.fill_backorders(locked)
        except stock.InsufficientStock as error:
            raise IllegalTransition(
                _("Order %(number)s: the backordered units have not all arrived. %(details)s")
                % {"number": locked.number, "details": error.message}
            ) from None
    if to_status == S.PAID and locked.paid_at is None:
        locked.paid_at = timezone.now()
        fields.append("paid_at")
    if to_status == S.DELIVERED and locked.paid_at is None and _is_cod(locked):
        locked.paid_at = timezone.now()
        fields.append("paid_at")
        note = note or _("Paid in cash on delivery.")
    locked.status = to_status
    locked.save(update_fields=fields)
    if "paid_at" in fields:
        issue_receipt(locked)
    record_event(locked, from_status=from_status, to_status=to_status, actor=actor, note=note)
    audit.record(
        audit.ORDER_REFUND if to_status == S.REFUNDED else audit.ORDER_STATUS,
        obj=locked,
        actor=actor,
        summary=note,
        changes={"status": (from_status, to_status)},
    )
    return locked


def _sync(order: Order, locked: Order) -> Order:
    """Keep the caller's instance in step with the row that was changed."""
    if order is not locked:
        order.status = locked.status
        order.paid_at = locked.paid_at
        order.updated_at = locked.updated_at
    return locked


@transaction.atomic
def transition(order: Order, to_status: str, *, actor=None, note: str = "") -> Order:
    """Move ``order`` to ``to_status``; raises ``IllegalTransition`` with a clear message."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    _apply(locked, to_status, actor=actor, note=note)
    return _sync(order, locked)


@transaction.atomic
def mark_paid(order: Order, *, actor=None, note: str = "") -> Order:
    """Record that the order's money is in. Idempotent: a paid order stays as it is."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.paid_at is not None:
        return _sync(order, locked)
    if locked.status == S.AWAITING_PAYMENT:
        _apply(locked, S.PAID, actor=actor, note=note)
        if _backordered(locked):
            _apply(locked, S.AWAITING_STOCK, actor=actor, note="")
    elif locked.status in (S.AWAITING_STOCK, S.PACKED, S.SHIPPED, S.DELIVERED, S.COMPLETED):
        # Cash on delivery collected, or a transfer confirmed after the order moved on.
        locked.paid_at = timezone.now()
        locked.save(update_fields=["paid_at", "updated_at"])
        issue_receipt(locked)
        record_event(
            locked,
            from_status=locked.status,
            to_status=locked.status,
            actor=actor,
            note=note or _("Payment received."),
        )
        audit.record(
            audit.ORDER_STATUS,
            obj=locked,
            actor=actor,
            summary=note,
            changes={"paid_at": (None, locked.paid_at)},
        )
    else:
        raise IllegalTransition(
            _("Order %(number)s is “%(status)s” and cannot be paid.")
            % {"number": locked.number, "status": S(locked.status).label}
        )
    return _sync(order, locked)


def order_timeline(order: Order) -> list[OrderEvent]:
    return list(order.events.select_related("actor").order_by("created_at", "pk"))
