"""Builders for timeline, search and back-office customer tests: real rows, no mocks."""

import datetime as dt
import itertools
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from duken.catalog.models import Category, Product
from duken.customers.models import User
from duken.interactions.models import Event
from duken.orders.models import Order, OrderEvent, OrderLine, OrderStatus

_seq = itertools.count(1)
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def make_customer(email=None, **fields) -> User:
    email = email or f"customer-{next(_seq)}@example.kz"
    return User.objects.create_user(
        email, None, **fields
    )  # no hashing: tests log in with force_login


def make_staff(email=None, perms=(), **fields) -> User:
    user = User.objects.create_user(
        email or f"staff-{next(_seq)}@duken.example", None, is_staff=True, **fields
    )
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return User.objects.get(pk=user.pk)  # fresh, without a stale permission cache


def make_category(name=None) -> Category:
    n = next(_seq)
    return Category.objects.create(slug=f"tl-category-{n}", name=name or f"Category {n}")


def make_product(name=None, category=None, price="1000.00") -> Product:
    n = next(_seq)
    category = category or make_category()
    product = Product.objects.create(
        sku=f"TL-{n}",
        slug=f"tl-product-{n}",
        name=name or f"Product {n}",
        price=Decimal(price),
        stock=10,
        primary_category=category,
        created_at=timezone.now(),
    )
    product.categories.add(category)
    return product


def place_order(
    customer,
    *,
    at=T0,
    lines=(),
    total=None,
    status=OrderStatus.COMPLETED,
    paid=True,
    number=None,
    phone="",
) -> Order:
    """An order with its lines ((product, quantity) pairs) and its first timeline event."""
    lines = list(lines)
    subtotal = sum((p.price * q for p, q in lines), Decimal(0))
    total = Decimal(total) if total is not None else subtotal
    order = Order.objects.create(
        number=number or f"DK-TL{next(_seq):06d}",
        user=customer,
        email=customer.email if customer else "guest@example.kz",
        phone=phone,
        status=status,
        subtotal=total,
        total=total,
        placed_at=at,
        paid_at=at if paid else None,
    )
    for product, quantity in lines:
        OrderLine.objects.create(
            order=order,
            product=product,
            product_name=product.name,
            sku=product.sku,
            unit_price=product.price,
            quantity=quantity,
            line_total=product.price * quantity,
        )
    OrderEvent.objects.create(order=order, from_status="", to_status=status, created_at=at)
    return order


def add_events(customer, count, *, start=T0, step=dt.timedelta(minutes=1), products=()):
    """``count`` interaction events, one ``step`` apart going back from ``start``: product views
    of ``products`` in turn (searches when none are given)."""
    product_type = ContentType.objects.get_for_model(Product)
    events = []
    for i in range(count):
        at = start - step * i
        if products:
            product = products[i % len(products)]
            events.append(
                Event(
                    user=customer,
                    kind="product_view",
                    content_type=product_type,
                    object_id=product.pk,
                    occurred_at=at,
                    device="mobile",
                )
            )
        else:
            events.append(
                Event(
                    user=customer,
                    kind="search",
                    properties={"query": f"query {i}", "results": i % 3},
                    occurred_at=at,
                )
            )
    Event.objects.bulk_create(events)
    return events
