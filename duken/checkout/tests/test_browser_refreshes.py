"""Presses that coincide with a refresh of the part of the page they are on.

Leaving a field (the city at checkout, a quantity in the cart) asks the server for the
delivery options and totals again. A shopper who leaves the field by pressing "Place order",
"Proceed to checkout" or a delivery choice releases it while that answer is arriving; if the
answer replaced what was pressed between the press and the release, the browser would fire no
click and nothing would happen. Each test holds the server's answer until the press, lets it
arrive, and only then releases."""

import pytest

from duken.orders.models import Order
from duken.testing.factories import make_category, make_product, make_shipping

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    make_shipping()
    make_product(
        name="Felt Slippers",
        slug="felt-slippers",
        price="7400",
        stock=3,
        category=make_category(slug="home", name="Home"),
    )


@pytest.fixture
def page(live_server, browser, shop):
    """A Chromium page whose cart holds one pair of slippers."""
    from playwright.sync_api import expect

    page = browser.new_context(locale="en-US", base_url=live_server.url).new_page()
    page.goto("/p/felt-slippers/")
    page.click("form.buy-box button[type=submit]")
    expect(page.locator("#cart-count")).to_have_text("1")
    yield page


def _press_through_refresh(page, button, refreshed, url_pattern, leave_field):
    """Press ``button``, which takes the focus from the field ``leave_field`` filled, let the
    held refresh of ``refreshed`` arrive, then release."""
    held, released = [], []
    page.route(url_pattern, lambda route: route.continue_() if released else held.append(route))
    leave_field()
    page.locator(button).scroll_into_view_if_needed()
    box = page.locator(button).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.wait_for_function("() => document.querySelector('.htmx-request')")
    assert held
    page.evaluate(f"() => {{ window.before = document.querySelector('{refreshed}') }}")
    released.append(True)  # later requests (the click's own) go straight through
    for route in held:
        route.continue_()
    page.wait_for_function(f"() => document.querySelector('{refreshed}') !== window.before")
    page.mouse.up()


def test_an_order_placed_while_the_totals_refresh_is_not_lost(page):
    from playwright.sync_api import expect

    page.goto("/checkout/")
    page.fill("#id_email", "dana@example.com")
    page.fill("#id_phone", "+7 702 555 12 34")
    page.fill("#id_full_name", "Dana Serikova")
    page.select_option("#id_region", "Almaty")
    page.fill("#id_street", "Dostyk 5")
    expect(page.locator("#checkout-review")).to_contain_text("Courier")
    page.check("input[name=payment_method][value=cash_on_delivery]")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")

    _press_through_refresh(
        page,
        "#place-order",
        "#checkout-review .review-lines",
        "**/checkout/options/",
        leave_field=lambda: page.fill("#id_city", "Almaty"),
    )

    expect(page.locator("h1")).to_contain_text("Thank you for your order")

    order = Order.objects.get()
    assert order.email == "dana@example.com"
    assert order.lines.get().product.slug == "felt-slippers"


def test_proceeding_to_checkout_right_after_changing_a_quantity(page):
    from playwright.sync_api import expect

    page.goto("/cart/")
    _press_through_refresh(
        page,
        "text=Proceed to checkout",
        ".cart-table",
        "**/cart/update/",
        leave_field=lambda: page.fill("input[name=quantity]", "2"),
    )

    expect(page.locator("h1")).to_contain_text("Checkout")
    expect(page.locator("#checkout-review")).to_contain_text("Felt Slippers × 2")


def test_leaving_the_street_does_not_refresh_the_delivery_options(page):
    # The options depend on the country, region and city only; a refresh that is not needed
    # is one that can replace the delivery choice the shopper is about to click.
    from playwright.sync_api import expect

    page.goto("/checkout/")
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/checkout/options/" in r.url else None)
    page.select_option("#id_region", "Almaty")
    page.fill("#id_city", "Almaty")
    page.fill("#id_street", "Dostyk 5")
    page.check("input[name=delivery_method][value=pickup]")
    expect(page.locator("#id_pickup_point")).to_be_visible()
    expect(page.locator("#checkout-review")).to_contain_text("Self-pickup")
    # the region, the city (left for the street) and the delivery choice; not the street
    assert len(asked) == 3


def test_choosing_pickup_right_after_changing_the_city(page):
    from playwright.sync_api import expect

    page.goto("/checkout/")
    page.select_option("#id_region", "Almaty")
    page.fill("#id_city", "Almaty")
    page.fill("#id_street", "Dostyk 5")
    expect(page.locator("#checkout-review")).to_contain_text("Courier")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")

    _press_through_refresh(
        page,
        "label.choice:has(input[value=pickup])",
        "#checkout-review .review-lines",
        "**/checkout/options/",
        leave_field=lambda: page.fill("#id_city", "Qaskelen"),
    )

    expect(page.locator("input[name=delivery_method][value=pickup]")).to_be_checked()
    expect(page.locator("#id_pickup_point")).to_be_visible()
    expect(page.locator("#checkout-review")).to_contain_text("Self-pickup")
