"""In headless Chromium: the owner changes a product's price in the admin, reads a customer's
timeline, then opens the audit log from the back office's menu and filters it down to price
changes (no Content-Security-Policy violation or script error on the way)."""

import pytest

from duken.core.audit import chain
from duken.customers.models import User
from duken.customers.tests.timeline_factories import make_customer, make_product
from duken.testing.accounts import authenticator, pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    user = User.objects.create_superuser("owner@duken.example", "Steppe-Winds-2026")
    authenticator(user)
    return user


def test_the_owner_finds_a_price_change_in_the_audit_log(live_server, browser, owner):
    from playwright.sync_api import expect

    product = make_product("Pink Regency Teacup")
    customer = make_customer("aigerim@example.kz")
    base = live_server.url
    page = browser.new_context(locale="en-US").new_page()
    page.goto(base + f"/backoffice/customers/{customer.pk}/")
    page.fill("#id_username", "owner@duken.example")
    page.fill("#id_password", "Steppe-Winds-2026")
    page.click("input[type=submit]")
    pass_second_factor(page, owner)
    expect(page.locator("h1")).to_contain_text("aigerim@example.kz")

    # the owner changes the teacup's price in the admin
    page.goto(base + f"/admin/catalog/product/{product.pk}/change/")
    page.fill("#id_price", "4321.00")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    chain.seal()

    # then opens the audit log from the back office's menu
    page.goto(base + "/backoffice/customers/")
    page.locator("#user-tools").get_by_role("link", name="Audit log").click()
    expect(page.locator("h1")).to_have_text("Audit log")
    expect(page.locator("#audit-chain")).to_contain_text("The chain is intact")
    expect(page.locator(".audit-entry[data-action='customer.view']")).to_have_count(1)

    # and filters it down to price changes
    page.select_option("#f-action", "product.price")
    page.click("#audit-filters input[type=submit]")
    rows = page.locator(".audit-entry")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Pink Regency Teacup")
    expect(rows).to_contain_text("owner@duken.example")
    expect(rows).to_contain_text("→ 4321.00")
