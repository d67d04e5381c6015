"""In headless Chromium: a staff member finds a customer by phone number, reads the timeline a
shopper's visit left, writes a note with markup in it (shown as text, never run), tags the
customer, and filters the timeline down to notes."""

import pytest
from django.contrib.auth.models import Group

from duken.customers.models import User
from duken.customers.tests.timeline_factories import T0, add_events, make_product, place_order
from duken.testing.accounts import authenticator, pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    clerk = User.objects.create_user(
        "clerk@duken.example", "Steppe-Winds-2026", is_staff=True, first_name="Bolat"
    )
    clerk.groups.add(Group.objects.get(name="Manager"))
    authenticator(clerk)  # staff pass a second factor after the password
    customer = User.objects.create_user(
        "aigerim@example.kz",
        None,
        first_name="Айгерим",
        last_name="Серикова",
        phone="87012345678",
    )
    teacup = make_product("Pink Regency Teacup")
    place_order(customer, at=T0, lines=[(teacup, 2)], number="DK-BROWSER1")
    add_events(customer, 5, start=T0, products=[teacup])
    return customer


def test_staff_find_a_customer_read_the_timeline_and_leave_a_note(live_server, browser, shop):
    from playwright.sync_api import expect

    base = live_server.url
    page = browser.new_context(locale="en-US").new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # the clerk logs in to the back office and searches by phone, typed another way
    page.goto(base + "/backoffice/customers/")
    page.fill("#id_username", "clerk@duken.example")
    page.fill("#id_password", "Steppe-Winds-2026")
    page.click("input[type=submit]")
    pass_second_factor(page, User.objects.get(email="clerk@duken.example"))
    page.fill("#customer-q", "+7 701 234 5678")
    page.click("#changelist-search input[type=submit]")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Айгерим Серикова").click()

    # the timeline shows the order and the product views, the figures on top
    expect(page.locator("h1")).to_have_text("Айгерим Серикова")
    expect(page.locator(".timeline-entry")).to_have_count(6)
    expect(page.locator(".timeline-entries")).to_contain_text("Placed order DK-BROWSER1")
    expect(page.locator(".timeline-entries")).to_contain_text("Viewed “Pink Regency Teacup”")
    expect(page.locator("[data-figure=orders]")).to_have_text("1")

    # a note with markup in it is kept as text and never runs
    page.fill("#note-text", "Prefers evening delivery <script>alert('x')</script>")
    page.get_by_role("button", name="Save note").click()
    expect(page.locator(".messagelist")).to_contain_text("The note has been added.")
    note = page.locator(".timeline-entry[data-kind=note]")
    expect(note).to_contain_text("Prefers evening delivery <script>alert('x')</script>")
    assert dialogs == []

    # a tag, then the timeline filtered down to notes
    page.fill("#tag-name", "Постоянный клиент")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator(".customer-tags")).to_contain_text("Постоянный клиент")
    page.locator("input[name=kind][value=note]").check()
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".timeline-entry")).to_have_count(1)
    expect(page.locator(".timeline-entry")).to_have_attribute("data-kind", "note")
