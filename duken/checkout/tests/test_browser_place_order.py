"""The "Place order" press that coincides with a refresh of the delivery options.

Leaving a field of the address (the street, say) asks the server for the delivery options and
totals again. A shopper who leaves the street by pressing "Place order" releases the button
while that answer is arriving; if the answer replaced the button between the press and the
release, the browser would fire no click and the order would silently not be placed."""

import pytest

from duken.checkout.tests.helpers import make_category, make_product, make_shipping
from duken.orders.models import Order

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


def test_an_order_placed_while_the_totals_refresh_is_not_lost(live_server, chromium_path, shop):
    from playwright.sync_api import expect, sync_playwright

    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path)
        page = browser.new_context(locale="en-US").new_page()
        page.goto(base + "/p/felt-slippers/")
        page.click("form.buy-box button[type=submit]")
        expect(page.locator("#cart-count")).to_have_text("1")

        page.goto(base + "/checkout/")
        page.fill("#id_email", "dana@example.com")
        page.fill("#id_phone", "+7 702 555 12 34")
        page.fill("#id_full_name", "Dana Serikova")
        page.select_option("#id_region", "Almaty")
        page.fill("#id_city", "Almaty")
        expect(page.locator("#checkout-review")).to_contain_text("Courier")
        page.check("input[name=payment_method][value=cash_on_delivery]")
        page.wait_for_function("() => !document.querySelector('.htmx-request')")

        # From here on the server's answers to the refresh are held until released.
        held = []
        page.route("**/checkout/options/", lambda route: held.append(route))
        page.fill("#id_street", "Dostyk 5")

        button = page.locator("#place-order").bounding_box()
        page.mouse.move(button["x"] + button["width"] / 2, button["y"] + button["height"] / 2)
        page.mouse.down()  # the street loses focus: its change asks for new totals
        page.wait_for_function("() => document.querySelector('#address-fields.htmx-request')")
        assert held
        lines = "document.querySelector('#checkout-review .review-lines')"
        page.evaluate(f"() => {{ window.linesBefore = {lines} }}")
        for route in held:  # a later change may have replaced an earlier request
            route.continue_()
        page.wait_for_function(f"() => {lines} !== window.linesBefore")
        page.mouse.up()

        expect(page.locator("h1")).to_contain_text("Thank you for your order")
        browser.close()

    order = Order.objects.get()
    assert order.email == "dana@example.com"
    assert order.lines.get().product.slug == "felt-slippers"
