"""Many requests add the same product to the same cart at once (double clicks, several tabs).
PostgreSQL only: SQLite serializes writers and could not show the race."""

import threading

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from duken.checkout.models import CartLine
from duken.testing.factories import make_product

TABS = 16
ALL_APPS = list(settings.INSTALLED_APPS)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, available_apps=ALL_APPS)
def test_one_cart_adding_one_product_from_many_tabs_at_once_counts_every_unit():
    # given: a visitor with a cart (one product in it) and a second product not yet in it
    first, lantern = make_product(stock=500), make_product(name="Paper Lantern", stock=500)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post(reverse("storefront:cart_add"), {"product_id": first.pk}).status_code == 302
    cookies = client.cookies
    connections.close_all()
    barrier = threading.Barrier(TABS)
    results = [None] * TABS

    def add(i):
        tab = Client(HTTP_ACCEPT_LANGUAGE="en")
        tab.cookies = cookies
        try:
            barrier.wait(timeout=60)
            response = tab.post(
                reverse("storefront:cart_add"), {"product_id": lantern.pk, "quantity": "2"}
            )
            results[i] = response.status_code
        except Exception as exc:  # recorded, so the assertion below shows it
            results[i] = repr(exc)
        finally:
            connections.close_all()

    # when: every tab adds two lanterns at the same moment
    threads = [threading.Thread(target=add, args=(i,)) for i in range(TABS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then: every request succeeded and the cart holds one line with every unit
    assert results == [302] * TABS
    lines = CartLine.objects.filter(product=lantern)
    assert lines.count() == 1
    assert lines.get().quantity == 2 * TABS
