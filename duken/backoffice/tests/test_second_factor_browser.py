"""In headless Chromium: a new staff member logs in to the admin, is sent to set up an
authenticator app, types the key the page shows into "the app" (the TOTP algorithm here),
confirms with its code, is shown ten recovery codes once and then reaches the admin; logging
in again takes the password and a code."""

import re
import time
from base64 import b32decode

import pytest
from django.contrib.auth.models import Group
from django_otp.oath import TOTP

from duken.customers.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clerk(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    user = User.objects.create_user("clerk@duken.example", "Steppe-Winds-2026", is_staff=True)
    user.groups.add(Group.objects.get(name="Manager"))
    return user


def app_code(key: str, steps_ahead: int = 0) -> str:
    """What an authenticator app given ``key`` shows (now, or a period later)."""
    totp = TOTP(b32decode(key.replace(" ", "")), step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_a_new_staff_member_sets_up_the_app_before_the_admin_opens(
    live_server, chromium_path, clerk
):
    from playwright.sync_api import expect, sync_playwright

    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path)
        page = browser.new_context(locale="en-US").new_page()

        # the password alone leads to the set-up page, not to the admin
        page.goto(base + "/admin/")
        page.fill("#id_username", "clerk@duken.example")
        page.fill("#id_password", "Steppe-Winds-2026")
        page.click("input[type=submit]")
        expect(page.locator("h1")).to_have_text("Turn on two-step verification")
        expect(page.locator("main")).to_contain_text("Staff accounts need two-step verification")
        expect(page.locator(".qr svg")).to_be_visible()

        # a wrong code is refused with a message; the app's code turns it on
        key = page.locator("main code").inner_text()
        page.fill("#id_code", "000000")
        page.locator("main form button.btn-primary").click()
        expect(page.locator(".errorlist")).to_contain_text("That code is not right")
        time.sleep(1.1)  # django-otp's back-off after a wrong code
        page.fill("#id_code", app_code(key))
        page.locator("main form button.btn-primary").click()
        expect(page.locator("h1")).to_have_text("Your recovery codes")
        codes = page.locator(".recovery-codes li").all_inner_texts()
        assert len(codes) == 10 and all(re.fullmatch(r"(\w{4}-){3}\w{4}", c) for c in codes)
        page.get_by_role("link", name="I have saved my codes, continue").click()
        expect(page).to_have_url(base + "/admin/")
        expect(page.locator("#site-name")).to_be_visible()

        # next time: the password, then a code
        again = browser.new_context(locale="en-US").new_page()
        again.goto(base + "/admin/login/?next=/admin/")
        again.fill("#id_username", "clerk@duken.example")
        again.fill("#id_password", "Steppe-Winds-2026")
        again.click("input[type=submit]")
        expect(again.locator("h1")).to_have_text("Enter your code")
        again.fill("#id_code", app_code(key, steps_ahead=1))
        again.locator("main form button.btn-primary").click()
        expect(again).to_have_url(base + "/admin/")
        browser.close()
