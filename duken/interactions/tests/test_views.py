import logging
import re
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from duken.interactions import buffer
from duken.interactions.models import Event, Kind
from duken.interactions.visitor import COOKIE_NAME, sign, unsign
from duken.orders.models import Order
from duken.privacy import services as privacy
from duken.privacy.models import Purpose
from duken.testing.factories import make_product, make_shipping

from .conftest import consent_cookie

pytestmark = pytest.mark.django_db


def _kinds():
    buffer.flush()
    return list(Event.objects.order_by("pk").values_list("kind", flat=True))


def test_a_visitor_who_allowed_analytics_gets_a_signed_httponly_visitor_cookie(consenting):
    # when
    response = consenting.get(reverse("storefront:home"))
    # then
    cookie = response.cookies[COOKIE_NAME]
    assert unsign(cookie.value) is not None
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 2 * 365 * 24 * 60 * 60
    # and a returning visitor keeps it (it is not sent again)
    assert COOKIE_NAME not in consenting.get(reverse("storefront:home")).cookies


@pytest.mark.parametrize("path", ["/", "/healthz", "/search/?q=mug", "/privacy/consent/"])
def test_no_visitor_cookie_before_a_consent_choice(client, path):
    # when a new visitor opens any page without choosing in the banner
    response = client.get(path)
    # then no long-lived id is put in their browser
    assert response.status_code == 200
    assert COOKIE_NAME not in response.cookies


def test_no_visitor_cookie_after_declining_and_it_goes_when_withdrawn(client):
    # given a visitor who declines everything optional
    response = client.post(reverse("privacy:consent"), {"choice": "necessary"})
    assert COOKIE_NAME not in response.cookies
    assert COOKIE_NAME not in client.get(reverse("storefront:home")).cookies
    # when they accept all, they get the id; when they withdraw it again, it is deleted
    response = client.post(reverse("privacy:consent"), {"choice": "all"})
    assert unsign(response.cookies[COOKIE_NAME].value) is not None
    response = client.post(reverse("privacy:consent"), {"choice": "necessary"})
    assert response.cookies[COOKIE_NAME].value == ""
    assert response.cookies[COOKIE_NAME]["max-age"] == 0


def test_an_old_visitor_cookie_without_consent_is_taken_back(client):
    client.cookies[COOKIE_NAME] = sign("a" * 32)
    response = client.get(reverse("storefront:home"))
    assert response.cookies[COOKIE_NAME].value == ""


@pytest.mark.parametrize("forged", ["f" * 32, sign("f" * 32)[:-1] + "x", "garbage:::"])
def test_a_forged_visitor_cookie_is_replaced_and_logged(consenting, caplog, forged):
    # given
    consenting.cookies[COOKIE_NAME] = forged
    # when
    with caplog.at_level(logging.WARNING, logger="duken.interactions"):
        response = consenting.get(reverse("storefront:home"))
    # then
    assert response.status_code == 200
    fresh = unsign(response.cookies[COOKIE_NAME].value)
    assert fresh is not None and fresh != "f" * 32
    assert "visitor cookie refused" in caplog.text


def test_pages_record_views_and_searches_with_consent(consenting):
    # given
    product = make_product(name="Enamel mug")
    category = product.primary_category
    # when
    consenting.get(reverse("storefront:product", args=[product.slug]))
    consenting.get(reverse("storefront:category", args=[category.slug]))
    consenting.get(reverse("storefront:search"), {"q": "enamel"})
    # then
    assert _kinds() == [Kind.PRODUCT_VIEW, Kind.CATEGORY_VIEW, Kind.SEARCH]
    view, listing, search = Event.objects.order_by("pk")
    assert view.obj == product and listing.obj == category
    assert search.properties["query"] == "enamel"
    assert isinstance(search.properties["results"], int)
    visitors = {e.visitor_id for e in (view, listing, search)}
    assert len(visitors) == 1 and len(visitors.pop()) == 32


def test_pages_record_nothing_without_consent(client):
    # given
    product = make_product()
    client.cookies[privacy.COOKIE_NAME] = consent_cookie(analytics=False)
    # when
    client.get(reverse("storefront:product", args=[product.slug]))
    client.get(reverse("storefront:search"), {"q": "mug"})
    # then
    assert _kinds() == []


def test_channel_and_device_come_from_the_request(consenting):
    # given
    product = make_product()
    # when
    consenting.get(
        reverse("storefront:product", args=[product.slug]),
        {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "spring"},
        HTTP_REFERER="https://www.google.kz/search?q=mug",
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14; SM-X910) AppleWebKit/537.36",
    )
    # then
    buffer.flush()
    event = Event.objects.get()
    assert (event.utm_source, event.utm_medium, event.utm_campaign) == (
        "newsletter",
        "email",
        "spring",
    )
    assert event.referrer_domain == "www.google.kz"
    assert event.device == "tablet"


def test_cart_and_checkout_steps_are_recorded(consenting):
    # given
    make_shipping()
    product = make_product(stock=5)
    # when
    consenting.post(reverse("storefront:cart_add"), {"product_id": product.pk, "quantity": "2"})
    consenting.get(reverse("storefront:checkout"))
    consenting.post(
        reverse("storefront:cart_update"), {"product_id": product.pk, "action": "remove"}
    )
    # then
    assert _kinds() == [Kind.CART_ADD, Kind.CHECKOUT_STEP, Kind.CART_REMOVE]
    add = Event.objects.get(kind=Kind.CART_ADD)
    assert add.obj == product and add.properties == {"line_quantity": 2}


def test_an_order_placed_is_kept_without_analytics_consent(client):
    # given
    make_shipping()
    product = make_product(price="7000", stock=3)
    client.cookies[privacy.COOKIE_NAME] = consent_cookie(analytics=False)
    client.post(reverse("storefront:cart_add"), {"product_id": product.pk, "quantity": "1"})
    page = client.get(reverse("storefront:checkout"))
    token = page.context["form"]["checkout_token"].value()
    # when
    response = client.post(
        reverse("storefront:checkout"),
        {
            "checkout_token": token,
            "email": "guest@example.com",
            "phone": "+7 701 555 12 34",
            "full_name": "Guest Buyer",
            "country": "Kazakhstan",
            "region": "Almaty",
            "city": "Almaty",
            "street": "Dostyk 5",
            "delivery_method": "courier",
            "payment_method": "cash_on_delivery",
        },
    )
    # then: written at once, with no flush
    assert response.status_code == 302
    order = Order.objects.get()
    event = Event.objects.get()
    assert (event.kind, event.obj) == (Kind.ORDER_PLACED, order)
    assert event.properties == {"total": str(order.total), "currency": order.currency}


def test_the_anonymous_history_joins_the_account_on_login(consenting):
    # given
    user = get_user_model().objects.create_user(email="buyer@example.com", password="s3cret-Pass!")
    product = make_product()
    consenting.get(reverse("storefront:product", args=[product.slug]))
    stranger = make_product()
    # when
    response = consenting.post(
        reverse("storefront:login"), {"username": "buyer@example.com", "password": "s3cret-Pass!"}
    )
    # then
    assert response.status_code == 302
    event = Event.objects.get(kind=Kind.PRODUCT_VIEW)
    assert event.user == user and event.object_id == product.pk
    assert stranger.pk != product.pk


def test_a_logged_in_customers_events_carry_the_account(client):
    # given
    user = get_user_model().objects.create_user(email="buyer@example.com", password="s3cret-Pass!")
    client.force_login(user)
    request = client.get(reverse("storefront:home")).wsgi_request
    privacy.grant(request, [Purpose.ANALYTICS], source="account_page")
    product = make_product()
    # when
    client.get(reverse("storefront:product", args=[product.slug]))
    # then
    assert _kinds() == [Kind.PRODUCT_VIEW]
    assert Event.objects.get().user == user


def test_the_request_end_flushes_a_full_batch(consenting, settings):
    # given
    settings.INTERACTIONS_BUFFER_SIZE = 2
    product = make_product()
    url = reverse("storefront:product", args=[product.slug])
    # when / then
    consenting.get(url)
    assert buffer.pending() == 1 and not Event.objects.exists()
    consenting.get(url)
    assert buffer.pending() == 0 and Event.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_in_production_the_writer_thread_writes_the_batch(consenting, settings):
    # given the shop's default: due batches are written off the request thread
    settings.INTERACTIONS_FLUSH_IN_BACKGROUND = True
    settings.INTERACTIONS_BUFFER_SIZE = 2
    product = make_product()
    url = reverse("storefront:product", args=[product.slug])
    # when
    consenting.get(url)
    consenting.get(url)
    # then the second response handed the batch to the writer thread, which wrote it
    assert buffer.wait_idle(timeout=10)
    assert buffer.pending() == 0
    assert Event.objects.filter(kind=Kind.PRODUCT_VIEW).count() == 2
    assert "duken-interactions-writer" in {t.name for t in threading.enumerate()}
    # and it lets go of its connection when asked (the test database is dropped at the end)
    assert buffer.release_connection(timeout=10)


def test_recording_a_page_view_adds_no_query(consenting):
    # given
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    declined = Client(HTTP_ACCEPT_LANGUAGE="en")
    declined.cookies[privacy.COOKIE_NAME] = consent_cookie(analytics=False)

    product = make_product()
    url = reverse("storefront:product", args=[product.slug])
    consenting.get(url)  # warm the caches
    buffer.flush()
    # when
    with CaptureQueriesContext(connection) as recorded:
        consenting.get(url)
    with CaptureQueriesContext(connection) as unrecorded:
        declined.get(url)
    # then
    assert buffer.pending() == 1
    assert len(recorded) == len(unrecorded)


def test_registering_joins_the_anonymous_history_too(
    consenting, django_capture_on_commit_callbacks
):
    # given
    product = make_product()
    consenting.get(reverse("storefront:product", args=[product.slug]))
    # when they sign up and follow the e-mailed link in the same browser
    with django_capture_on_commit_callbacks(execute=True):
        consenting.post(
            reverse("storefront:register"),
            {"email": "new@example.kz", "first_name": "Arman", "password": "s3cret-Pass!-long"},
        )
    link = re.search(r"https?://[^/]+(/account/register/finish/\S+/)", mail.outbox[-1].body)[1]
    response = consenting.post(link)
    # then
    assert response.status_code == 302
    user = get_user_model().objects.get(email="new@example.kz")
    assert [e.kind for e in Event.objects.filter(user=user)] == [Kind.PRODUCT_VIEW]


def test_logging_out_gives_the_browser_a_fresh_visitor_id(consenting):
    # given
    user = get_user_model().objects.create_user(email="buyer@example.com", password="s3cret-Pass!")
    consenting.get(reverse("storefront:home"))
    before = unsign(consenting.cookies[COOKIE_NAME].value)
    consenting.force_login(user)
    # when
    response = consenting.post(reverse("storefront:logout"))
    # then
    after = unsign(response.cookies[COOKIE_NAME].value)
    assert after is not None and after != before
    assert unsign(consenting.cookies[COOKIE_NAME].value) == after


def test_the_home_page_is_recorded_as_a_page_view_with_consent(consenting, client):
    # when a visitor who allowed analytics opens the home page
    consenting.get(reverse("storefront:home"))
    # then one page view is kept, with its path
    assert _kinds() == [Kind.PAGE_VIEW]
    assert Event.objects.get().properties == {"path": "/"}
