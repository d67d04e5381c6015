"""Stock reservation: the one place where a product's ``stock`` goes down or back up.

``reserve()`` runs inside the order-placing transaction. It locks the products in primary-key
order (so two checkouts touching the same products queue instead of deadlocking), checks and
decrements in that same locked transaction, and raises ``InsufficientStock`` when a line cannot
be served. On SQLite ``select_for_update`` is a no-op, but the database runs its transactions
with ``BEGIN IMMEDIATE``, which serializes writers just the same.

Digital products have no stock: they are never short and never decremented.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from duken.core import audit

from .models import Product

# Sent with ``product_ids`` after units were put back on the shelf (a cancelled order).
stock_returned = Signal()


@dataclass(frozen=True)
class Shortage:
    product_id: int
    name: str
    requested: int
    available: int


class InsufficientStock(Exception):
    """Some lines cannot be served from stock. ``shortages`` lists each product with the
    quantity asked for and the quantity still available."""

    def __init__(self, shortages: list[Shortage]):
        self.shortages = shortages
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = []
        for s in self.shortages:
            if s.available <= 0:
                parts.append(_("%(name)s is out of stock") % {"name": s.name})
            else:
                parts.append(
                    ngettext(
                        "%(name)s: only %(count)d unit left",
                        "%(name)s: only %(count)d units left",
                        s.available,
                    )
                    % {"name": s.name, "count": s.available}
                )
        return _("Not enough in stock. %(details)s.") % {"details": "; ".join(parts)}


@dataclass(frozen=True)
class Allocation:
    """What reserve() decided for one product: ``reserved`` units were taken from stock,
    ``backordered`` units ship later, expected on ``expected_date``."""

    product: Product
    quantity: int
    reserved: int
    backordered: int
    expected_date: date | None


def _record(product, before: int, after: int, why: str) -> None:
    # Every stock move is in the audit log: who (the buyer or the clerk of the request), which
    # product, from how many to how many.
    audit.record(audit.PRODUCT_STOCK, obj=product, summary=why, changes={"stock": (before, after)})


def expected_restock_date(product: Product, today: date | None = None) -> date:
    today = today or timezone.localdate()
    return today + timedelta(days=product.restock_days)


def reserve(
    lines: Iterable[tuple[int, int]], *, accept_backorder: bool = False
) -> dict[int, Allocation]:
    """Reserve stock for ``lines`` (pairs of product id and quantity) and return the allocation
    per product id. Must run inside ``transaction.atomic()``.

    Without ``accept_backorder`` every unit must be in stock. With it, the available part is
    reserved and the rest backordered, for products that allow backorders. Products that are
    missing or no longer on sale count as out of stock.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("stock.reserve() must run inside a transaction")
    wanted: dict[int, int] = {}
    for product_id, quantity in lines:
        if quantity <= 0:
            raise ValueError("quantities to reserve must be positive")
        wanted[int(product_id)] = wanted.get(int(product_id), 0) + int(quantity)

    locked = {
        p.pk: p
        for p in Product.objects.filter(pk__in=wanted)
        .order_by("pk")
        .select_for_update(of=("self",))
    }
    shortages: list[Shortage] = []
    allocations: dict[int, Allocation] = {}
    for product_id in sorted(wanted):
        quantity = wanted[product_id]
        product = locked.get(product_id)
        if product is None or not product.is_active:
            name = product.name if product else _("A product no longer sold")
            shortages.append(Shortage(product_id, name, quantity, 0))
            continue
        if product.is_digital:
            allocations[product_id] = Allocation(product, quantity, quantity, 0, None)
            continue
        available = max(product.stock, 0)
        if quantity <= available:
            allocations[product_id] = Allocation(product, quantity, quantity, 0, None)
        elif accept_backorder and product.allow_backorder:
            allocations[product_id] = Allocation(
                product,
                quantity,
                available,
                quantity - available,
                expected_restock_date(product),
            )
        else:
            shortages.append(Shortage(product_id, product.name, quantity, available))
    if shortages:
        raise InsufficientStock(shortages)

    for allocation in allocations.values():
        if allocation.reserved and not allocation.product.is_digital:
            # The row is locked, so the check above still holds; the database constraint
            # (stock >= 0) is the last line of defence.
            Product.objects.filter(pk=allocation.product.pk).update(
                stock=F("stock") - allocation.reserved
            )
            before = allocation.product.stock
            allocation.product.stock -= allocation.reserved
            _record(allocation.product, before, allocation.product.stock, "reserved for an order")
    return allocations


def fill_backorders(order) -> None:
    """Take an order's backordered units from stock once they have arrived (staff put the
    delivery into the product's stock first). Raises ``InsufficientStock`` when they are not
    all there yet; then nothing is taken."""
    lines = [
        line
        for line in order.lines.all()
        if line.backordered_quantity and not line.backorder_filled and line.product_id
    ]
    if not lines:
        return
    with transaction.atomic():
        wanted: dict[int, int] = {}
        for line in lines:
            wanted[line.product_id] = wanted.get(line.product_id, 0) + line.backordered_quantity
        locked = {
            p.pk: p
            for p in Product.objects.filter(pk__in=wanted, is_digital=False)
            .order_by("pk")
            .select_for_update(of=("self",))
        }
        shortages = [
            Shortage(pk, locked[pk].name, quantity, max(locked[pk].stock, 0))
            for pk, quantity in sorted(wanted.items())
            if pk in locked and locked[pk].stock < quantity
        ]
        if shortages:
            raise InsufficientStock(shortages)
        for pk, quantity in wanted.items():
            if pk in locked:
                Product.objects.filter(pk=pk).update(stock=F("stock") - quantity)
                before = locked[pk].stock
                _record(
                    locked[pk], before, before - quantity, f"backorder of {order.number} filled"
                )
        type(lines[0]).objects.filter(pk__in=[line.pk for line in lines]).update(
            backorder_filled=True
        )


def units_taken(line) -> int:
    """How many of an order line's units came out of stock."""
    if line.backorder_filled:
        return line.quantity
    return line.quantity - line.backordered_quantity


def release(order) -> None:
    """Put the units an order took back on the shelf (an order cancelled before shipping).
    Backordered units that never arrived were never taken and are not returned. Callers make
    sure an order is released once (the order state machine does)."""
    returned: dict[int, int] = {}
    for line in order.lines.all():
        if line.product_id is None:
            continue
        units = units_taken(line)
        if units > 0:
            returned[line.product_id] = returned.get(line.product_id, 0) + units
    if not returned:
        return
    with transaction.atomic():
        products = (
            Product.objects.filter(pk__in=returned, is_digital=False)
            .order_by("pk")
            .select_for_update(of=("self",))
        )
        for product in products:
            Product.objects.filter(pk=product.pk).update(stock=F("stock") + returned[product.pk])
            before = product.stock
            _record(product, before, before + returned[product.pk], f"returned by {order.number}")
        stock_returned.send(sender=Product, product_ids=list(returned))
