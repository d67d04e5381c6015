"""Fifty shoppers race for the last ten units, each a real client session on its own database
connection. PostgreSQL only: SQLite serializes writers and could not show an oversell."""

import re
import threading

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from duken.catalog.models import Product
from duken.checkout.models import Cart, CartLine
from duken.orders.models import Order, OrderEvent, OrderLine
from duken.payments.models import Payment
from duken.testing.factories import make_product, make_shipping

BUYERS = 50
UNITS = 10
# Naming the apps makes the teardown flush TRUNCATE ... CASCADE, which also empties tables
# that reference the models' tables from outside the ORM (the catalog's search index).
ALL_APPS = list(settings.INSTALLED_APPS)


def _prepare_buyer(i, product):
    """A visitor who put one unit in the cart and opened the checkout page."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(reverse("storefront:cart_add"), {"product_id": product.pk, "quantity": "1"})
    page = client.get(reverse("storefront:checkout"))
    assert page.status_code == 200
    token = re.search(r'name="checkout_token" value="([^"]+)"', page.content.decode()).group(1)
    data = {
        "checkout_token": token,
        "email": f"buyer{i}@example.com",
        "phone": "+7 701 000 00 00",
        "full_name": f"Buyer {i}",
        "country": "Kazakhstan",
        "region": "Astana",
        "city": "Astana",
        "street": f"Kabanbay batyr {i}",
        "delivery_method": "courier",
        "payment_method": "cash_on_delivery",
    }
    return client, data


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, available_apps=ALL_APPS)
def test_fifty_concurrent_checkouts_for_the_last_ten_units_never_oversell():
    # given ten units left and fifty visitors at the checkout, each with one in the cart
    make_shipping()
    product = make_product(name="Last Lantern", stock=UNITS, allow_backorder=False)
    buyers = [_prepare_buyer(i, product) for i in range(BUYERS)]
    connections.close_all()
    barrier = threading.Barrier(BUYERS)
    results = [None] * BUYERS

    def checkout(i):
        client, data = buyers[i]
        try:
            barrier.wait(timeout=60)
            response = client.post(reverse("storefront:checkout"), data)
            results[i] = (response.status_code, response.content.decode())
        except Exception as exc:  # recorded, so the assertion below shows it
            results[i] = ("exception", repr(exc))
        finally:
            connections.close_all()

    # when they all press "Place order" at once
    threads = [threading.Thread(target=checkout, args=(i,)) for i in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then exactly ten orders went through and everyone else was told it is sold out
    assert all(r is not None for r in results), "a buyer thread did not finish"
    placed = [r for r in results if r[0] == 302]
    refused = [r for r in results if r[0] == 409]
    assert len(placed) == UNITS, [r for r in results if r[0] not in (302, 409)][:3]
    assert len(refused) == BUYERS - UNITS, [
        (r[0], re.findall(r"errorlist[^>]*>\s*<li>([^<]+)", r[1]))
        for r in results
        if r[0] not in (302, 409)
    ]
    assert all("Last Lantern is out of stock" in body for _status, body in refused)

    product.refresh_from_db()
    assert product.stock == 0
    assert Product.objects.filter(stock__lt=0).count() == 0
    # nothing half-written: one order, line, event and payment per success, no more
    assert Order.objects.count() == UNITS
    assert OrderLine.objects.count() == UNITS
    assert OrderEvent.objects.count() == UNITS
    assert Payment.objects.count() == UNITS
    assert Cart.objects.filter(status=Cart.Status.ORDERED).count() == UNITS
    assert Cart.objects.filter(status=Cart.Status.OPEN).count() == BUYERS - UNITS
    assert CartLine.objects.count() == BUYERS
    assert sum(OrderLine.objects.values_list("quantity", flat=True)) == UNITS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, available_apps=ALL_APPS)
def test_the_same_checkout_submitted_twice_at_once_makes_one_order():
    # given one visitor who double-clicks "Place order" (two requests, same form)
    make_shipping()
    product = make_product(stock=5)
    client, data = _prepare_buyer(1, product)
    connections.close_all()
    barrier = threading.Barrier(2)
    statuses = []

    def submit():
        try:
            barrier.wait(timeout=30)
            statuses.append(client.post(reverse("storefront:checkout"), data).status_code)
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then
    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 1
    product.refresh_from_db()
    assert product.stock == 4
    assert 302 in statuses
