"""In headless Chromium, under the shop's Content-Security-Policy: a customer asks for a copy
of their data, downloads the zip from the page and from the e-mailed link, then deletes their
account and can no longer log in; the same address signs up again."""

import re
import zipfile

import pytest
from django.contrib.auth import get_user_model

from duken.outbox.models import Message
from duken.privacy import erase
from duken.privacy.tests.rights_data import PASSWORD, rich_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def aliya(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return rich_customer("aliya@example.kz", name="Aliya", visitor="v-aliya")


def _log_in(page, base):
    page.goto(base + "/account/login/")
    page.fill("#id_username", "aliya@example.kz")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")


def test_a_customer_downloads_their_data_and_then_deletes_their_account(
    live_server, browser, aliya, tmp_path
):
    from playwright.sync_api import expect

    user, order = aliya
    base = live_server.url
    page = browser.new_context(locale="en-US", accept_downloads=True).new_page()
    _log_in(page, base)
    # given the memory page, which links the export
    page.goto(base + "/account/memory/")
    page.get_by_role("link", name="Download a copy of everything we hold about you").click()
    # when she asks for a copy (the worker's task runs once the request commits)
    page.get_by_role("button", name="Ask for a copy of my data").click()
    # then the page offers the download
    expect(page.locator("#export-download")).to_be_visible()
    with page.expect_download() as info:
        page.click("#export-download")
    saved = tmp_path / "data.zip"
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert "README.txt" in archive.namelist()
        assert "aliya@example.kz" in archive.read("profile.json").decode()
    # and the e-mailed link works in her browser too
    mail = Message.objects.get(kind="data_export_ready", to="aliya@example.kz")
    link = re.search(r"/account/privacy/export/download/\S+/", mail.text).group(0)
    with page.expect_download():
        page.evaluate("url => { window.location.href = url; }", base + link)

    # when she deletes her account: a wrong password first
    page.goto(base + "/account/privacy/delete/")
    page.fill("#id_password", "not-my-password")
    page.check("#id_confirm")
    page.click("#delete-account")
    expect(page.locator(".errorlist")).to_contain_text("The password is not right.")
    page.fill("#id_password", PASSWORD)
    page.check("#id_confirm")
    page.click("#delete-account")
    # then she sees the confirmation and is logged out
    expect(page.get_by_role("heading", name="Your account is deleted")).to_be_visible()
    user.refresh_from_db()
    assert erase.is_erased(user)
    page.goto(base + "/account/")
    assert "/account/login/" in page.url
    # and her old link gives nothing any more
    page.goto(base + link)
    assert "/account/login/" in page.url
    # and the address may sign up again
    assert not get_user_model().objects.filter(email="aliya@example.kz").exists()
