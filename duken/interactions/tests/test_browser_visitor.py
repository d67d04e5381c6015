"""In headless Chromium: the visitor cookie is out of the page's scripts' reach, survives
navigation, and a consenting visitor's product view and search land in the log."""

import pytest
from django.urls import reverse

from duken.interactions import buffer
from duken.interactions.models import Event, Kind
from duken.interactions.visitor import COOKIE_NAME, unsign
from duken.privacy import services as privacy
from duken.testing.factories import make_product

from .conftest import consent_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


def test_a_consenting_visitor_is_recorded_under_one_httponly_visitor_id(
    live_server, browser, monkeypatch
):
    # given
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    product = make_product(name="Felt slippers")
    base = live_server.url
    context = browser.new_context(locale="en-US", user_agent=DESKTOP)
    context.add_cookies(
        [
            {
                "name": privacy.COOKIE_NAME,
                "value": consent_cookie(analytics=True),
                "url": base,
            }
        ]
    )
    page = context.new_page()
    # when
    page.goto(base + reverse("storefront:product", args=[product.slug]))
    page.goto(base + reverse("storefront:search") + "?q=slippers")
    # then
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies[COOKIE_NAME]["httpOnly"] is True
    assert COOKIE_NAME not in page.evaluate("document.cookie")
    visitor = unsign(cookies[COOKIE_NAME]["value"])

    buffer.flush()
    events = list(Event.objects.order_by("pk"))
    assert [e.kind for e in events] == [Kind.PRODUCT_VIEW, Kind.SEARCH]
    assert {e.visitor_id for e in events} == {visitor}
    assert {e.device for e in events} == {"desktop"}
