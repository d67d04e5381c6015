"""In headless Chromium: a customer browses with consent, finds the interest on "What we
remember about you", forgets it, and it is gone from the page, the event log and later reads."""

import time

import pytest
from django.contrib.auth import get_user_model

from duken.interactions.models import Event
from duken.interactions.tests.helpers import count_written
from duken.privacy import memory
from duken.privacy.models import ForgottenItem
from duken.testing.factories import make_category, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(monkeypatch, settings):
    # Playwright's sync API keeps an event loop in this thread; the ORM calls made here
    # between browser steps are plain blocking calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.INTERACTIONS_BUFFER_SIZE = 1  # every event is written at the end of its request
    lanterns = make_category(slug="lanterns", name="Lanterns")
    teapots = make_category(slug="teapots", name="Teapots")
    lantern = make_product(
        name="Moroccan Brass Lantern", slug="brass-lantern", price="8900", category=lanterns
    )
    make_product(name="Clay Teapot", slug="clay-teapot", price="4500", category=teapots)
    customer = get_user_model().objects.create_user("aliya@example.kz", "Steppe-Winds-2026")
    return customer, lanterns, lantern


def _events_of(customer, **filters):
    return count_written(Event.objects.filter(user=customer, **filters))


def _wait_for_events(customer, at_least, timeout=5.0):
    deadline = time.monotonic() + timeout
    while _events_of(customer) < at_least and time.monotonic() < deadline:
        time.sleep(0.1)
    return _events_of(customer)


def test_a_customer_forgets_an_interest_on_the_memory_page(live_server, browser, shop):
    from playwright.sync_api import expect

    customer, lanterns, lantern = shop
    key = memory.category_key(lanterns.pk)
    page = browser.new_context(locale="en-US").new_page()

    # given: the customer logs in, accepts everything and looks around
    page.goto(live_server.url + "/account/login/")
    page.fill("#id_username", "aliya@example.kz")
    page.fill("#id_password", "Steppe-Winds-2026")
    page.click("main form button[type=submit]")
    page.get_by_role("button", name="Accept all").click()
    expect(page.locator("#consent-banner")).to_have_count(0)
    for path in ("/p/brass-lantern/", "/p/brass-lantern/", "/p/clay-teapot/"):
        page.goto(live_server.url + path)
    assert _wait_for_events(customer, at_least=3) >= 3

    # when: they open what we remember, from the account navigation
    page.goto(live_server.url + "/account/")
    page.get_by_role("link", name="What we remember", exact=True).click()
    interests = page.locator("#memory-interests")
    item = interests.locator(f'li[data-key="{key}"]')
    expect(item).to_contain_text("You viewed 1 product in Lanterns.")
    expect(interests).to_contain_text("Teapots")

    # and forget "Lanterns", confirming
    item.locator("summary").click()
    item.get_by_role("button", name="Yes, forget it").click()

    # then: the page says so and shows it no more (htmx re-rendered it in place)
    expect(page.locator("#memory-sections .alert")).to_contain_text("Forgotten: Lanterns.")
    expect(page.locator(f'li[data-key="{key}"]')).to_have_count(0)
    expect(page.locator("#memory-sections")).not_to_contain_text("Moroccan Brass Lantern")
    expect(interests).to_contain_text("Teapots")
    # a fresh load agrees, and lists the wish not to remember it again (the default)
    page.reload()
    expect(page.locator("#memory-interests")).not_to_contain_text("Lanterns")
    expect(page.locator("#memory-activity")).not_to_contain_text("Moroccan Brass Lantern")
    expect(page.locator(f'#memory-forgotten li[data-key="forgotten:{key}"]')).to_contain_text(
        "Not remembered again"
    )

    # the lantern's views are gone from the event log; the teapot's stay
    assert _events_of(customer, object_id=lantern.pk, content_type__model="product") == 0
    assert _events_of(customer, content_type__model="product") == 1
    assert ForgottenItem.objects.filter(user=customer, key=key).exists()
    assert key not in [i.key for i in memory.interests(customer)]
