"""Writing a new order: its number, its lines priced from the products, its first event.

``create_order`` is the last step of completing a checkout (``duken.checkout.complete``), which
owns the rest of it (the cart, the stock, the delivery quote, the payment) and calls this inside
its transaction.
"""

import secrets
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from duken.core.money import quantize

from .events import record_event
from .models import Order, OrderLine, OrderStatus

# No 0/O, 1/I/L: order numbers are read out over the phone.
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_PREFIX = "DK-"


@dataclass
class OrderLineData:
    """One line of a new order: the product as read under its lock, and what was reserved."""

    product: object
    quantity: int
    backordered: int = 0
    expected_date: date | None = None

    @property
    def total(self):
        return quantize(self.product.price * self.quantity)


def new_order_number() -> str:
    while True:
        number = NUMBER_PREFIX + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
        if not Order.objects.filter(number=number).exists():
            return number


def create_order(
    *,
    lines: list[OrderLineData],
    user,
    email: str,
    phone: str,
    address: dict,
    delivery_method,
    delivery_name: str,
    shipping_cost,
    needs_address: bool,
    pickup_point,
    payment_method_code: str,
    checkout_token: str,
    note: str,
    language: str,
) -> Order:
    """Write the order, its lines and its first event (with the customer's e-mail about it,
    and ``order_placed`` announced) in the caller's transaction."""
    subtotal = sum((line.total for line in lines), quantize(0))
    order = Order.objects.create(
        number=new_order_number(),
        user=user,
        email=email,
        phone=phone,
        status=OrderStatus.AWAITING_PAYMENT,
        source=Order.Source.WEB,
        subtotal=subtotal,
        shipping_cost=shipping_cost,
        total=quantize(subtotal + shipping_cost),
        delivery_method=delivery_method,
        delivery_name=delivery_name,
        pickup_point=pickup_point,
        ship_full_name=address["full_name"],
        ship_country=address["country"],
        ship_region=address["region"],
        ship_city=address["city"],
        ship_street=address["street"] if needs_address else "",
        ship_postcode=address["postcode"] if needs_address else "",
        payment_method=payment_method_code,
        customer_note=(note or "").strip()[:2000],
        checkout_token=checkout_token,
        language=language,
        placed_at=timezone.now(),
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                product=line.product,
                product_name=line.product.name,
                sku=line.product.sku,
                unit_price=line.product.price,
                quantity=line.quantity,
                line_total=line.total,
                backordered_quantity=line.backordered,
                expected_date=line.expected_date,
                is_digital=line.product.is_digital,
            )
            for line in lines
        ]
    )
    record_event(order, from_status="", to_status=order.status, note=_("Order placed."))
    return order
