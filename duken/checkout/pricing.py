"""Pricing the cart in one place: its lines, totals, weight and what is short of stock, from the
database's prices (never from what a form posted); and the header's item count, on every page."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from duken.catalog.models import Product
from duken.catalog.stock import expected_restock_date
from duken.core.money import default_currency, quantize

from .models import Cart, CartLine


@dataclass
class SummaryLine:
    product: Product
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    # Units that can ship now; the rest would be backordered.
    available: int
    backordered: int
    expected_date: date | None
    can_backorder: bool

    @property
    def is_available(self) -> bool:
        return self.backordered == 0

    @property
    def product_id(self) -> int:
        return self.product.pk


@dataclass
class CartSummary:
    cart: Cart | None
    lines: list[SummaryLine] = field(default_factory=list)
    subtotal: Decimal = field(default_factory=lambda: quantize(0))
    weight_grams: int = 0
    item_count: int = 0
    has_digital: bool = False
    has_physical: bool = False
    currency: str = field(default_factory=default_currency)
    # Messages about lines that disappeared since the shopper last looked.
    notices: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def has_shortage(self) -> bool:
        return any(not line.is_available for line in self.lines)

    @property
    def can_order_all(self) -> bool:
        """Every shortage can be backordered."""
        return all(line.is_available or line.can_backorder for line in self.lines)


def cart_summary(cart: Cart | None, *, with_images: bool = False) -> CartSummary:
    """Lines, availability and totals of a cart, in one query (two if lines were dropped,
    one more ``with_images`` for pages that show the product pictures)."""
    summary = CartSummary(cart=cart)
    if cart is None:
        return summary
    gone = []
    today = timezone.localdate()
    lines = cart.lines.select_related("product").order_by("added_at", "pk")
    if with_images:
        lines = lines.prefetch_related("product__images")
    for line in lines:
        product = line.product
        if product is None or not product.is_active:
            gone.append(line)
            continue
        if product.is_digital:
            available, backordered = line.quantity, 0
        else:
            available = min(line.quantity, max(product.stock, 0))
            backordered = line.quantity - available
        unit_price = quantize(product.price, product.currency)
        summary.lines.append(
            SummaryLine(
                product=product,
                quantity=line.quantity,
                unit_price=unit_price,
                line_total=quantize(unit_price * line.quantity, product.currency),
                available=available,
                backordered=backordered,
                expected_date=expected_restock_date(product, today) if backordered else None,
                can_backorder=product.allow_backorder,
            )
        )
        summary.subtotal += quantize(unit_price * line.quantity, product.currency)
        summary.item_count += line.quantity
        if product.is_digital:
            summary.has_digital = True
        else:
            summary.has_physical = True
            summary.weight_grams += product.weight_grams * line.quantity
    if gone:
        CartLine.objects.filter(pk__in=[line.pk for line in gone]).delete()
        for line in gone:
            name = line.product.name if line.product else line.product_name
            summary.notices.append(
                _("%(name)s is no longer sold and was removed from your cart.")
                % {"name": name or _("A product")}
            )
    summary.subtotal = quantize(summary.subtotal)
    return summary
