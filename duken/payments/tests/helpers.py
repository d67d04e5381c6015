"""Real orders for payment tests."""

import itertools
from decimal import Decimal

from django.test import RequestFactory
from django.utils import timezone

from duken.catalog.models import Category, Product
from duken.orders.models import Order, OrderLine

_seq = itertools.count(1)


def make_order(*, payment_method="card", total="12500.00", digital=False, **fields) -> Order:
    n = next(_seq)
    category = Category.objects.create(slug=f"pay-cat-{n}", name=f"Category {n}")
    product = Product.objects.create(
        sku=f"PAY-SKU-{n}",
        slug=f"pay-product-{n}",
        name=f"Product {n}",
        primary_category=category,
        price=Decimal(total),
        stock=5,
        is_digital=digital,
        created_at=timezone.now(),
    )
    order = Order.objects.create(
        number=f"DK-PAYT{n:04d}",
        email="buyer@example.com",
        subtotal=Decimal(total),
        total=Decimal(total),
        payment_method=payment_method,
        placed_at=timezone.now(),
        **fields,
    )
    OrderLine.objects.create(
        order=order,
        product=product,
        product_name=product.name,
        sku=product.sku,
        unit_price=product.price,
        quantity=1,
        line_total=product.price,
        is_digital=digital,
    )
    return order


def request_for(host="testserver"):
    """A request the way the storefront passes one to start_payment."""
    return RequestFactory().get("/checkout/", HTTP_HOST=host)
