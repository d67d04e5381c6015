"""In headless Chromium: a guest asks to be told when a sold-out product is back and confirms
their address from the e-mail, staff put stock in through the admin, the guest gets one e-mail
(real SMTP) quoting the request."""

import re

import pytest
from django.contrib.auth import get_user_model

from duken.conversations.models import Promise
from duken.needs.models import BackInStockRequest
from duken.testing.accounts import authenticator, pass_second_factor
from duken.testing.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # staff pass a second factor after the password
    authenticator(
        get_user_model().objects.create_superuser("staff@duken.example", "staff-pass-12345")
    )
    return make_product(name="Felt Slippers", price="5400", stock=0, allow_backorder=False)


def test_a_guest_is_told_once_when_staff_restock(live_server, browser, shop, smtp_server):
    from playwright.sync_api import expect

    base = live_server.url
    guest = browser.new_context(locale="en-US").new_page()
    guest.goto(base + shop.get_absolute_url())
    expect(guest.locator(".buy-box")).to_have_count(0)
    guest.fill("#needs-email", "guest@example.com")
    guest.get_by_role("button", name="Tell me when it is back").click()
    expect(guest.locator("#messages")).to_contain_text(
        "We sent a confirmation link to guest@example.com"
    )
    (confirmation,) = smtp_server.to("guest@example.com")
    text = confirmation.get_body(preferencelist=("plain",)).get_content()
    guest.goto(base + re.search(r"https?://[^/]+(/confirm/\S+/)", text)[1])
    guest.get_by_role("button", name="Yes, it was me: confirm").click()
    expect(guest.locator("h1")).to_contain_text("Your address is confirmed")

    staff = browser.new_context(locale="en-US").new_page()
    staff.goto(base + "/admin/login/?next=/admin/catalog/product/")
    staff.fill("#id_username", "staff@duken.example")
    staff.fill("#id_password", "staff-pass-12345")
    staff.click("input[type=submit]")
    pass_second_factor(staff, get_user_model().objects.get(email="staff@duken.example"))
    staff.fill("#id_form-0-stock", "7")
    staff.click("input[name=_save]")
    expect(staff.locator(".messagelist")).to_contain_text("changed successfully")
    # saving again sends nothing more
    staff.fill("#id_form-0-stock", "8")
    staff.click("input[name=_save]")
    expect(staff.locator(".messagelist")).to_contain_text("changed successfully")

    request = BackInStockRequest.objects.get()
    assert request.notified_at is not None
    assert Promise.objects.get().status == Promise.Status.KEPT
    received = smtp_server.to("guest@example.com")
    assert len(received) == 2  # the confirmation, then the notice
    body = received[1].get_body(preferencelist=("plain",)).get_content()
    assert "you asked us to tell you when this is back" in body
    assert "“Felt Slippers”" in body
    assert shop.get_absolute_url() in body
