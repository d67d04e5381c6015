"""A whole purchase in headless Chromium: a new visitor searches, adds to cart, registers,
checks out with cash on delivery and sees the order; staff mark it shipped in the admin; the
customer sees the new status and got the e-mail."""

import re

import pytest
from django.contrib.auth import get_user_model

from duken.orders.models import Order, OrderStatus
from duken.testing.accounts import authenticator, pass_second_factor
from duken.testing.factories import make_category, make_product, make_shipping

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the ORM calls made here
    # between browser steps are plain blocking calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    make_shipping()
    lamps = make_category(slug="lanterns", name="Lanterns")
    make_product(name="Moroccan Brass Lantern", price="8900", stock=4, category=lamps)
    make_product(name="Paper Garland", price="1200", stock=10, category=lamps)
    # staff pass a second factor after the password
    authenticator(
        get_user_model().objects.create_superuser("staff@duken.example", "staff-pass-12345")
    )


def test_a_visitor_buys_and_staff_ship_the_order(live_server, browser, shop, smtp_server):
    # E-mails leave over real SMTP to a server on loopback (the smtp_server fixture).
    from playwright.sync_api import expect

    base = live_server.url
    shopper = browser.new_context(locale="en-US").new_page()

    # the visitor searches and opens the product
    shopper.goto(base + "/")
    shopper.fill("#site-search", "lantern")
    shopper.press("#site-search", "Enter")
    shopper.get_by_role("link", name=re.compile("Moroccan Brass Lantern")).first.click()
    expect(shopper.locator("h1")).to_contain_text("Moroccan Brass Lantern")

    # adds it to the cart (htmx updates the header)
    shopper.click("form.buy-box button[type=submit]")
    expect(shopper.locator("#cart-count")).to_have_text("1")

    # registers; the cart comes along
    shopper.goto(base + "/account/register/")
    shopper.fill("input[name=email]", "aliya@example.com")
    shopper.fill("input[name=first_name]", "Aliya")
    shopper.fill("input[name=last_name]", "Nurlanovna")
    shopper.fill("input[name=password]", "Steppe-Winds-2026")
    shopper.click("main form button[type=submit]")
    expect(shopper.locator("main")).to_contain_text("We sent a link to aliya@example.com")
    # and finishes from the link in the e-mail, in the same browser
    (finish,) = smtp_server.to("aliya@example.com")
    body = finish.get_body(preferencelist=("plain",)).get_content()
    shopper.goto(base + re.search(r"https?://[^/]+(/account/register/finish/\S+/)", body)[1])
    shopper.get_by_role("button", name="Finish creating my account").click()
    expect(shopper.locator("#cart-count")).to_have_text("1")

    # checks out with cash on delivery
    shopper.goto(base + "/cart/")
    shopper.get_by_role("link", name="Proceed to checkout").click()
    shopper.fill("#id_phone", "+7 701 234 56 78")
    shopper.fill("#id_full_name", "Aliya Nurlanovna")
    shopper.select_option("#id_region", "Almaty")
    shopper.fill("#id_city", "Almaty")
    shopper.fill("#id_street", "Abay ave 52, flat 7")
    shopper.check("input[name=payment_method][value=cash_on_delivery]")
    shopper.click("#place-order")
    expect(shopper.locator("h1")).to_contain_text("Thank you for your order")
    order = Order.objects.get()
    expect(shopper.locator("main")).to_contain_text(order.number)
    assert order.user.email == "aliya@example.com"
    assert order.payment_method == "cash_on_delivery"

    # and sees the order in the account
    shopper.goto(f"{base}/account/orders/{order.number}/")
    status = shopper.locator(".listing-head .badge")
    expect(shopper.locator("h1")).to_contain_text(order.number)
    expect(status).to_have_text("awaiting payment")

    # staff pack and ship it in the admin
    staff = browser.new_context(locale="en-US").new_page()
    staff.goto(base + "/admin/login/")
    staff.fill("#id_username", "staff@duken.example")
    staff.fill("#id_password", "staff-pass-12345")
    staff.click("input[type=submit]")
    pass_second_factor(staff, get_user_model().objects.get(email="staff@duken.example"))
    staff.goto(f"{base}/admin/orders/order/{order.pk}/change/")
    staff.click("button[name=to_status][value=packed]")
    expect(staff.locator(".messagelist")).to_contain_text("packed")
    staff.fill("#move-note", "Courier leaves at 10:00")
    staff.click("button[name=to_status][value=shipped]")
    expect(staff.locator(".messagelist")).to_contain_text("shipped")

    # the customer sees the new status
    shopper.reload()
    expect(status).to_have_text("shipped")

    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    received = smtp_server.to("aliya@example.com")
    shipped_mail = [m for m in received if m["Subject"] == f"Order {order.number} shipped"]
    assert len(shipped_mail) == 1
    body = shipped_mail[0].get_body(preferencelist=("plain",)).get_content()
    assert "Courier leaves at 10:00" in body
    assert any(m["Subject"] == f"Order {order.number} received" for m in received)
