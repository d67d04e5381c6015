"""In headless Chromium: a shopper sees recommendations with their reasons on a product page
and in the cart, and a customer who allows personalization sees "For you" on the home page,
gone after withdrawing it."""

import pytest

from duken.recommendations import training

from . import shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trained(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the ORM calls made here
    # between browser steps are plain blocking calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    data = shop.build()
    training.train(ranker=False)
    return data


def test_product_page_and_cart_show_recommendations_with_reasons(live_server, browser, trained):
    from playwright.sync_api import expect

    page = browser.new_context(locale="en-US").new_page()

    # the product page: what is bought together with it, and why
    page.goto(live_server.url + "/p/candle/")
    together = page.locator('[data-recs="bought-together"]')
    expect(together.get_by_role("heading", name="Often bought together")).to_be_visible()
    expect(together).to_contain_text("Customers who bought Vanilla Pillar Candle also bought")
    expect(together.get_by_role("link", name="Heart Tealight Holder")).to_be_visible()

    # into the cart: "Complete your order" names the product that suggests each item
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_contain_text("1")
    page.goto(live_server.url + "/cart/")
    complete = page.locator('[data-recs="complete-order"]')
    expect(complete.get_by_role("heading", name="Complete your order")).to_be_visible()
    holder = complete.locator(".rec", has_text="Heart Tealight Holder")
    expect(holder).to_contain_text("Often bought together with Vanilla Pillar Candle")

    # following a recommendation leads to its product page
    holder.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Heart Tealight Holder")


def test_for_you_follows_the_personalization_choice(live_server, browser, trained):
    from playwright.sync_api import expect

    page = browser.new_context(locale="en-US").new_page()
    page.goto(live_server.url + "/account/login/")
    page.fill("#id_username", "aliya@example.kz")
    page.fill("#id_password", shop.PASSWORD)
    page.click("main form button[type=submit]")
    page.get_by_role("button", name="Accept all").click()
    expect(page.locator("#consent-banner")).to_have_count(0)

    page.goto(live_server.url + "/")
    for_you = page.locator('[data-recs="for-you"]')
    expect(for_you.get_by_role("heading", name="For you")).to_be_visible()
    expect(for_you).to_contain_text("Because you bought Pink Regency")

    # withdrawing personalization on the account page takes it away at once
    page.goto(live_server.url + "/account/privacy/")
    page.locator("input[name=purposes][value=personalization]").uncheck()
    page.get_by_role("button", name="Save my choices").click()
    page.goto(live_server.url + "/")
    expect(page.locator('[data-recs="for-you"]')).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Because you bought")
    page.screenshot(path="/tmp/recs-home-after-withdrawal.png", full_page=True)
