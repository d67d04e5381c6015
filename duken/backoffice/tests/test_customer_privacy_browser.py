"""In headless Chromium, under the back office's Content-Security-Policy: a privacy officer
exports a customer's data from the timeline, downloads it, and deletes the account after the
confirmation step."""

import zipfile

import pytest
from django.contrib.auth.models import Group

from duken.customers.groups import ensure_staff_groups
from duken.customers.models import User
from duken.privacy import erase
from duken.privacy.tests.rights_data import rich_customer
from duken.testing.accounts import authenticator, pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_staff_groups()
    officer = User.objects.create_user(
        "officer@duken.example", "Steppe-Winds-2026", is_staff=True, first_name="Bolat"
    )
    officer.groups.add(Group.objects.get(name="Privacy officers"))
    authenticator(officer)
    customer, _order = rich_customer("aliya@example.kz", name="Aliya", visitor="v-aliya")
    return officer, customer


def test_a_privacy_officer_exports_and_deletes_a_customer(live_server, browser, shop, tmp_path):
    from playwright.sync_api import expect

    officer, customer = shop
    base = live_server.url
    page = browser.new_context(locale="en-US", accept_downloads=True).new_page()
    page.goto(f"{base}/backoffice/customers/{customer.pk}/")
    page.fill("#id_username", "officer@duken.example")
    page.fill("#id_password", "Steppe-Winds-2026")
    page.click("input[type=submit]")
    pass_second_factor(page, officer)
    # the officer asks for the export (the worker's task runs once the request commits)
    page.locator("#customer-privacy input[type=submit]").click()
    expect(page.locator("#staff-export-download")).to_be_visible()
    with page.expect_download() as info:
        page.click("#staff-export-download")
    saved = tmp_path / "export.zip"
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert "aliya@example.kz" in archive.read("profile.json").decode()
    # then deletes the account, confirming on the second page
    page.get_by_role("link", name="Delete the customer’s account").click()
    page.check("#id_confirm")
    page.click("#confirm-erase")
    expect(page.locator(".messagelist")).to_contain_text("The customer's account has been deleted.")
    customer.refresh_from_db()
    assert erase.is_erased(customer)
