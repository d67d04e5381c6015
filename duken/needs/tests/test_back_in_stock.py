"""A back-in-stock request is answered when stock returns, through every real path that puts
stock back: once, quoting the request, closing its promise."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from duken.conversations import guest_addresses
from duken.conversations.models import Promise
from duken.needs import services
from duken.needs.models import BackInStockRequest
from duken.orders import services as orders
from duken.orders.models import OrderStatus
from duken.testing.accounts import login_verified
from duken.testing.factories import make_order

pytestmark = pytest.mark.django_db


def test_asking_opens_one_promise_and_asking_again_changes_nothing(shopper, sold_out):
    first, created = services.request_back_in_stock(sold_out, customer=shopper)
    again, created_again = services.request_back_in_stock(sold_out, customer=shopper)
    assert created and not created_again and again.pk == first.pk
    promise = Promise.objects.get()
    assert promise.kind == Promise.Kind.BACK_IN_STOCK and promise.customer == shopper
    assert promise.words == "Felt Slippers" and promise.target == first


def test_answered_when_the_product_is_saved_with_stock(
    shopper, sold_out, django_capture_on_commit_callbacks
):
    # given a customer who asked on 3 May
    said = timezone.make_aware(dt.datetime(2026, 5, 3, 12, 0))
    request, _ = services.request_back_in_stock(sold_out, customer=shopper, language="en")
    Promise.objects.filter(pk=request.promise_id).update(said_at=said)
    BackInStockRequest.objects.filter(pk=request.pk).update(created_at=said)
    # when the product is saved with stock again (an import, a script, the admin)
    sold_out.stock = 4
    with django_capture_on_commit_callbacks(execute=True):
        sold_out.save()
    # then one e-mail, quoting the request, and the promise is kept
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [shopper.email]
    assert message.subject == "Felt Slippers is back in stock"
    assert "On 3 May 2026 you asked us to tell you when this is back:" in message.body
    assert "“Felt Slippers”" in message.body
    assert "Felt Slippers is back in stock" in message.body
    assert sold_out.get_absolute_url() in message.body
    request.refresh_from_db()
    assert request.notified_at is not None
    assert Promise.objects.get(pk=request.promise_id).status == Promise.Status.KEPT
    # a second run (and another save) sends nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_back_in_stock(sold_out.pk) == 0
        sold_out.save()
    assert len(mail.outbox) == 1


def test_answered_through_the_admin_change_form(
    client, staff, shopper, sold_out, django_capture_on_commit_callbacks
):
    waiting, _created = services.request_back_in_stock(sold_out, email="guest@example.kz")
    guest_addresses.confirm(waiting.promise.guest_address)  # the guest confirmed the address
    login_verified(client, staff)
    url = reverse("admin:catalog_product_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "form-TOTAL_FORMS": "1",
                "form-INITIAL_FORMS": "1",
                "form-0-id": str(sold_out.pk),
                "form-0-price": str(sold_out.price),
                "form-0-stock": "3",
                "form-0-is_active": "on",
                "_save": "Save",
            },
        )
    assert response.status_code == 302, response.content[:2000]
    sold_out.refresh_from_db()
    assert sold_out.stock == 3
    assert [m.to for m in mail.outbox] == [["guest@example.kz"]]


def test_answered_when_a_cancelled_order_puts_units_back(
    shopper, sold_out, django_capture_on_commit_callbacks
):
    # given the last two units went to an order, and a customer waits for more
    order = make_order(lines=[(sold_out, 2, 0)], status=OrderStatus.AWAITING_PAYMENT)
    services.request_back_in_stock(sold_out, customer=shopper)
    # when the order is cancelled (its units go back on the shelf)
    with django_capture_on_commit_callbacks(execute=True):
        orders.transition(order, OrderStatus.CANCELLED)
    # then
    sold_out.refresh_from_db()
    assert sold_out.stock == 2
    assert [m.to for m in mail.outbox if "back in stock" in m.body] == [[shopper.email]]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_all_waiting() == 0


def test_not_answered_while_still_out_of_stock(
    shopper, sold_out, django_capture_on_commit_callbacks
):
    services.request_back_in_stock(sold_out, customer=shopper)
    with django_capture_on_commit_callbacks(execute=True):
        sold_out.name = "Felt Slippers, grey"
        sold_out.save()
        assert services.notify_back_in_stock(sold_out.pk) == 0
    assert mail.outbox == []
    assert BackInStockRequest.objects.get().notified_at is None


def test_a_guest_needs_a_valid_address(client, sold_out):
    url = reverse("needs:back_in_stock", args=[sold_out.pk])
    response = client.post(url, {"email": "not an address"})
    assert response.status_code == 400
    assert not BackInStockRequest.objects.exists()
    response = client.post(url, {"email": "guest@example.kz"})
    assert response.status_code == 302
    assert BackInStockRequest.objects.get().email == "guest@example.kz"


def test_the_product_page_offers_it_instead_of_add_to_cart(client, shopper, sold_out):
    page = client.get(sold_out.get_absolute_url()).content.decode()
    assert "Tell me when it is back" in page and "buy-box" not in page
    client.force_login(shopper)
    client.post(reverse("needs:back_in_stock", args=[sold_out.pk]))
    page = client.get(sold_out.get_absolute_url()).content.decode()
    assert "We will e-mail you when it is back in stock." in page


def test_the_sweep_answers_stock_changed_around_the_shops_code(
    shopper, sold_out, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    from duken.catalog.models import Product

    services.request_back_in_stock(sold_out, customer=shopper)
    Product.objects.filter(pk=sold_out.pk).update(stock=5)  # no signal: nobody told yet
    assert mail.outbox == []
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("notify_back_in_stock", stdout=out)
        call_command("notify_back_in_stock", stdout=out)
    assert out.getvalue().splitlines() == [
        "1 back-in-stock request(s) answered.",
        "0 back-in-stock request(s) answered.",
    ]
    assert [m.to for m in mail.outbox] == [[shopper.email]]


def test_flooding_back_in_stock_requests_is_rate_limited(client, db):
    from django.conf import settings

    from duken.testing.factories import make_product

    limit = getattr(settings, "DUKEN_POSTS_PER_MINUTE", 5)
    products = [make_product(stock=0, allow_backorder=False) for _ in range(limit + 1)]
    codes = [
        client.post(
            reverse("needs:back_in_stock", args=[p.pk]), {"email": "flood@example.kz"}
        ).status_code
        for p in products
    ]
    assert codes == [302] * limit + [429]
    assert BackInStockRequest.objects.count() == limit


def test_wishlist_and_waiting_requests_can_be_forgotten_from_what_we_remember(
    client, shopper, other, sold_out
):
    from duken.privacy import memory
    from duken.testing.factories import make_product

    scarf = make_product(name="Wool Scarf")
    item, _ = services.add_to_wishlist(shopper, scarf)
    request, _ = services.request_back_in_stock(sold_out, customer=shopper)
    theirs, _ = services.request_back_in_stock(sold_out, customer=other)
    client.force_login(shopper)
    page = client.get(reverse("privacy:memory")).content.decode()
    assert "On your wishlist: Wool Scarf" in page
    assert "Tell me when it is back: Felt Slippers" in page
    assert memory.forget(shopper, f"backinstock:{theirs.pk}") is None
    assert memory.forget(shopper, f"backinstock:{request.pk}") is not None
    assert memory.forget(shopper, f"wishlist:{item.pk}") is not None
    assert not BackInStockRequest.objects.filter(customer=shopper).exists()
    assert Promise.objects.get(pk=request.promise_id).status == Promise.Status.CLOSED
    assert BackInStockRequest.objects.filter(customer=other).exists()
    assert not services.wishlist(shopper).exists()
