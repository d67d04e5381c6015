"""In headless Chromium: a customer accepts everything on the banner, then withdraws analytics
on the account privacy page; from then on no analytics event is stored for them."""

import time

import pytest
from django.contrib.auth import get_user_model

from duken.interactions.models import Event
from duken.interactions.tests.helpers import count_written
from duken.privacy import services as privacy
from duken.privacy.models import ConsentRecord, Purpose, Source
from duken.testing.factories import make_category, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(monkeypatch, settings):
    # Playwright's sync API keeps an event loop in this thread; the ORM calls made here
    # between browser steps are plain blocking calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # every analytics event is written at the end of its request
    settings.INTERACTIONS_BUFFER_SIZE = 1
    lamps = make_category(slug="lanterns", name="Lanterns")
    make_product(name="Moroccan Brass Lantern", slug="brass-lantern", price="8900", category=lamps)
    return get_user_model().objects.create_user("aliya@example.kz", "Steppe-Winds-2026")


def _events_of(customer):
    return count_written(Event.objects.filter(user=customer))


def _wait_for_events(customer, at_least, timeout=5.0):
    deadline = time.monotonic() + timeout
    while _events_of(customer) < at_least and time.monotonic() < deadline:
        time.sleep(0.1)
    return _events_of(customer)


def test_a_customer_withdraws_analytics_and_no_more_events_are_stored(live_server, browser, shop):
    from playwright.sync_api import expect

    customer, base = shop, live_server.url
    page = browser.new_context(locale="en-US").new_page()

    # the customer logs in; the banner asks, and they accept everything (htmx hides it)
    page.goto(base + "/account/login/")
    page.fill("#id_username", "aliya@example.kz")
    page.fill("#id_password", "Steppe-Winds-2026")
    page.click("main form button[type=submit]")
    expect(page.locator("#consent-banner")).to_be_visible()
    page.get_by_role("button", name="Accept all").click()
    expect(page.locator("#consent-banner")).to_have_count(0)
    assert privacy.current_consents(customer)[Purpose.ANALYTICS]

    # with consent, a product view is recorded
    page.goto(base + "/p/brass-lantern/")
    expect(page.locator("h1")).to_contain_text("Moroccan Brass Lantern")
    assert _wait_for_events(customer, at_least=1) >= 1

    # they withdraw analytics on the account page
    page.goto(base + "/account/")
    page.get_by_role("link", name="Privacy choices").click()
    analytics = page.locator("input[name=purposes][value=analytics]")
    expect(analytics).to_be_checked()
    analytics.uncheck()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.locator("#messages")).to_contain_text("Your privacy choices are saved.")
    expect(page.locator("input[name=purposes][value=analytics]")).not_to_be_checked()
    expect(page.locator("table.consent-history")).to_contain_text("withdrawn")
    stored = _events_of(customer)

    # from now on, browsing leaves no analytics event behind
    page.goto(base + "/p/brass-lantern/")
    expect(page.locator("h1")).to_contain_text("Moroccan Brass Lantern")
    page.goto(base + "/c/lanterns/")
    page.goto(base + "/search/?q=lantern")
    expect(page.locator("main")).to_contain_text("Moroccan Brass Lantern")

    assert _events_of(customer) == stored
    latest = ConsentRecord.objects.filter(user=customer, purpose=Purpose.ANALYTICS).first()
    assert not latest.granted and latest.source == Source.ACCOUNT_PAGE
