"""Payments recorded at the same moment on real connections: still one receipt per order, and
a fresh signing key published once. PostgreSQL only (SQLite serializes writers)."""

import threading

import pytest
from django.conf import settings
from django.db import connections

from duken.orders import services
from duken.orders.models import Order, Receipt, ReceiptKey
from duken.orders.receipts import verification
from duken.orders.receipts.documents import receipt_file_bytes
from duken.testing.factories import make_order, make_product

ALL_APPS = list(settings.INSTALLED_APPS)


def _at_once(work, count):
    barrier = threading.Barrier(count)
    errors = []

    def run(i):
        try:
            barrier.wait(timeout=30)
            work(i)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, available_apps=ALL_APPS)
def test_one_payment_reported_four_times_at_once_makes_one_receipt():
    # given an order awaiting payment, and a key not yet made
    order = make_order(lines=[(make_product(), 1, 0)])
    connections.close_all()
    # when four confirmations of its payment arrive at once
    errors = _at_once(lambda i: services.mark_paid(Order.objects.get(pk=order.pk)), 4)
    # then
    assert errors == []
    assert Receipt.objects.filter(order=order).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, available_apps=ALL_APPS)
def test_orders_paid_at_once_on_a_fresh_key_publish_it_once():
    # given four orders and no signing key yet
    orders = [make_order(lines=[(make_product(), 1, 0)]) for _ in range(4)]
    connections.close_all()
    # when all four are paid at once
    errors = _at_once(lambda i: services.mark_paid(Order.objects.get(pk=orders[i].pk)), 4)
    # then each has its receipt, signed by the one key made on first use, published once
    assert errors == []
    assert ReceiptKey.objects.count() == 1
    for receipt in Receipt.objects.all():
        checked = verification.read_receipt_file(receipt_file_bytes(receipt))
        assert verification.verify(checked).valid
    assert Receipt.objects.count() == 4
