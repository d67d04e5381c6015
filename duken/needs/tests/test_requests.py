import pytest
from django.conf import settings
from django.urls import reverse

from duken.conversations.models import Promise
from duken.needs.models import REQUEST_TEXT_MAX, ProductRequest
from duken.testing.accounts import login_verified

from .conftest import XSS

pytestmark = pytest.mark.django_db


def test_a_request_from_the_empty_search_opens_a_promise(client, shopper):
    client.force_login(shopper)
    page = client.get(reverse("storefront:search"), {"q": "camel wool blanket"}).content.decode()
    assert "Tell us what you are looking for" in page
    response = client.post(
        reverse("needs:tell_us"),
        {"text": "A camel wool blanket, 2 x 2 m", "query": "camel wool blanket"},
    )
    assert response.status_code == 200 and b"we have your request" in response.content
    request = ProductRequest.objects.get()
    assert request.customer == shopper and request.query == "camel wool blanket"
    promise = Promise.objects.get()
    assert promise.kind == Promise.Kind.PRODUCT_REQUEST
    assert promise.words == "A camel wool blanket, 2 x 2 m" and promise.target == request


def test_over_long_and_empty_requests_are_refused_with_a_message(client):
    response = client.post(reverse("needs:tell_us"), {"text": "x" * (REQUEST_TEXT_MAX + 1)})
    assert response.status_code == 400
    assert b"at most 1000 characters" in response.content
    response = client.post(reverse("needs:tell_us"), {"text": "  "})
    assert response.status_code == 400
    assert not ProductRequest.objects.exists() and not Promise.objects.exists()


def test_flooding_is_rate_limited(client):
    limit = getattr(settings, "DUKEN_POSTS_PER_MINUTE", 5)
    codes = [
        client.post(reverse("needs:tell_us"), {"text": f"Request number {n}"}).status_code
        for n in range(limit + 2)
    ]
    assert codes[:limit] == [200] * limit
    assert codes[limit:] == [429, 429]
    assert ProductRequest.objects.count() == limit


@pytest.mark.parametrize("payload", XSS)
def test_requests_with_markup_are_shown_to_staff_as_text(client, staff, payload):
    client.post(reverse("needs:tell_us"), {"text": f"I need {payload}", "email": "g@example.kz"})
    login_verified(client, staff)
    for url in (reverse("backoffice:needs"), reverse("backoffice:inbox")):
        page = client.get(url).content.decode()
        assert payload not in page
        assert payload.replace("<", "&lt;").replace(">", "&gt;") in page


def test_a_tell_us_request_is_recorded_and_shown_on_the_staff_timeline(client, shopper, staff):
    # given a customer who allowed analytics
    from duken.customers.timeline import entries_for
    from duken.interactions import buffer
    from duken.interactions.models import Event, Kind
    from duken.privacy import services as privacy
    from duken.privacy.models import Purpose

    client.force_login(shopper)
    client.post(reverse("privacy:consent"), {"choice": "all"})
    assert privacy.current_consents(shopper)[Purpose.ANALYTICS]
    # when they tell the shop what they could not find
    client.post(reverse("needs:tell_us"), {"text": "A camel wool blanket", "query": "blanket"})
    # then it is in their interaction history and on the timeline staff read
    buffer.flush()
    event = Event.objects.get(kind=Kind.PRODUCT_REQUEST)
    assert event.user == shopper and event.obj == ProductRequest.objects.get()
    titles = [entry.title for entry in entries_for(shopper, kinds={"event"})]
    assert "Told us what they could not find: “A camel wool blanket”" in titles
