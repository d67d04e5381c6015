"""Builders for cart, checkout and order tests: real rows, no mocks."""

import itertools
from decimal import Decimal

from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.utils import timezone

from duken.catalog.models import Category, Product
from duken.orders.models import Order, OrderLine, OrderStatus

_seq = itertools.count(1)


def make_category(**fields) -> Category:
    n = next(_seq)
    fields.setdefault("slug", f"category-{n}")
    fields.setdefault("name", f"Category {n}")
    return Category.objects.create(**fields)


def make_product(*, price="1000.00", stock=10, category=None, **fields) -> Product:
    n = next(_seq)
    category = category or make_category()
    fields.setdefault("sku", f"SKU-{n}")
    fields.setdefault("slug", f"product-{n}")
    fields.setdefault("name", f"Product {n}")
    fields.setdefault("created_at", timezone.now())
    product = Product.objects.create(
        price=Decimal(price), stock=stock, primary_category=category, **fields
    )
    product.categories.add(category)
    return product


def make_shipping():
    """A domestic zone with a courier (flat 1 500, free from 50 000), self-pickup with one
    point, and electronic delivery for digital goods."""
    from duken.shipping.models import DeliveryMethod, DeliveryRate, PickupPoint, Zone

    zone = Zone.objects.create(
        code="kz", name="Kazakhstan", countries="Kazakhstan", is_fallback=False, position=10
    )
    courier = DeliveryMethod.objects.create(
        code="courier", kind=DeliveryMethod.Kind.OWN_COURIER, name="Courier", position=1
    )
    DeliveryRate.objects.create(
        method=courier, zone=zone, base_price=Decimal("1500"), free_from=Decimal("50000")
    )
    pickup = DeliveryMethod.objects.create(
        code="pickup", kind=DeliveryMethod.Kind.PICKUP, name="Self-pickup", position=2
    )
    DeliveryRate.objects.create(method=pickup, zone=None, base_price=Decimal("0"))
    point = PickupPoint.objects.create(
        method=pickup, name="Duken Almaty", city="Almaty", address="Abay ave 1"
    )
    electronic = DeliveryMethod.objects.create(
        code="electronic", kind=DeliveryMethod.Kind.ELECTRONIC, name="Download", position=3
    )
    DeliveryRate.objects.create(method=electronic, zone=None, base_price=Decimal("0"))
    return {"zone": zone, "courier": courier, "pickup": pickup, "point": point}


ADDRESS = {
    "full_name": "Aigerim Sarsenova",
    "country": "Kazakhstan",
    "region": "Almaty",
    "city": "Almaty",
    "street": "Abay ave 10, flat 5",
    "postcode": "050000",
}


def session_request(user=None, session=None):
    """A request with a real database session, as the middleware would give a view."""
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.session = session or SessionStore()
    request.user = user or AnonymousUser()
    return request


def make_order(*, lines, status=OrderStatus.AWAITING_PAYMENT, payment="bank_transfer", **kw):
    """An order written directly (stock already taken), for state machine tests.
    ``lines`` are (product, quantity, backordered) tuples."""
    n = next(_seq)
    subtotal = sum((p.price * q for p, q, _b in lines), Decimal(0))
    order = Order.objects.create(
        number=f"DK-T{n:07d}",
        email=kw.pop("email", "buyer@example.com"),
        language=kw.pop("language", "en"),
        status=status,
        subtotal=subtotal,
        total=subtotal,
        payment_method=payment,
        placed_at=timezone.now(),
        **kw,
    )
    for product, quantity, backordered in lines:
        OrderLine.objects.create(
            order=order,
            product=product,
            product_name=product.name,
            sku=product.sku,
            unit_price=product.price,
            quantity=quantity,
            line_total=product.price * quantity,
            backordered_quantity=backordered,
            is_digital=product.is_digital,
        )
    return order
