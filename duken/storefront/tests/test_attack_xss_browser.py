"""In headless Chromium: pages that carry attackers' payloads (a product's description, a
published review and an answer, a guest's chat history, the staff's view of that chat and of the
customer's timeline) show them as text; no script of theirs runs (no dialog opens) and the
Content-Security-Policy is never violated (the browser fixture fails the test on that)."""

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.test import Client
from django.utils.module_loading import import_string

from duken.conversations import chat, questions, reviews
from duken.customers import facts
from duken.customers import services as customers
from duken.customers.models import User
from duken.orders.models import OrderStatus
from duken.testing.accounts import login_verified
from duken.testing.factories import make_order, make_product

from .xss_matrix import PAYLOADS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    product = make_product(
        name="Felt Slippers", slug="felt-slippers", description=PAYLOADS["textarea"]
    )
    buyer = User.objects.create_user("aliya@example.kz", "Steppe-Winds-2026", first_name="Aliya")
    staff = User.objects.create_superuser("staff@duken.example", "Steppe-Winds-2026")
    make_order(lines=[(product, 1, 0)], status=OrderStatus.DELIVERED, user=buyer, email=buyer.email)
    review = reviews.submit_review(
        buyer, product, rating=5, title=PAYLOADS["attribute"], text=PAYLOADS["script"]
    )
    reviews.approve(review, staff)
    question = questions.ask(buyer, product, "Are they warm? " + PAYLOADS["attribute"])
    questions.answer(question, staff, PAYLOADS["script"])
    customers.add_note(buyer, author=staff, text=PAYLOADS["attribute"])
    facts.add_fact(buyer, PAYLOADS["textarea"])
    conversation = chat.start(
        text=PAYLOADS["attribute"], name=PAYLOADS["script"], email="guest@example.kz"
    )
    chat.post(conversation, PAYLOADS["textarea"], author=staff, by_staff=True)
    guest: SessionBase = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    chat.remember(guest, conversation)
    guest.save()
    desk = login_verified(Client(), staff)
    return {
        "product": product,
        "buyer": buyer,
        "conversation": conversation,
        "guest_session": guest.session_key,
        "staff_session": desk.cookies[settings.SESSION_COOKIE_NAME].value,
    }


def _page(browser, base, session_key, dialogs):
    context = browser.new_context(locale="en-US")
    if session_key:
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": base}]
        )
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return page


def test_pages_carrying_payloads_run_none_of_them(live_server, browser, shop):
    from playwright.sync_api import expect

    base = live_server.url
    dialogs = []

    # a guest who chatted opens the product page: the description, the review and the answer
    # are text; the chat's history, loaded by script, is text too
    guest = _page(browser, base, shop["guest_session"], dialogs)
    guest.goto(base + shop["product"].get_absolute_url())
    expect(guest.locator("main")).to_contain_text(PAYLOADS["textarea"])
    expect(guest.locator("main")).to_contain_text(PAYLOADS["script"])
    expect(guest.locator("main")).to_contain_text(PAYLOADS["attribute"])
    guest.get_by_role("button", name="Help chat").click()
    history = guest.locator("#chat-panel .chat-message")
    expect(history.first).to_contain_text(PAYLOADS["attribute"])
    expect(history.nth(1)).to_contain_text(PAYLOADS["textarea"])
    assert guest.locator("main img[src='x'], #chat-panel svg[onload]").count() == 0

    # staff open the chat and the buyer's timeline
    staff = _page(browser, base, shop["staff_session"], dialogs)
    staff.goto(f"{base}/backoffice/inbox/chats/{shop['conversation'].pk}/")
    desk = staff.locator("#duken-staff-chat")
    expect(desk.locator(".chat-message").first).to_contain_text(PAYLOADS["attribute"])
    expect(staff.locator("body")).to_contain_text(PAYLOADS["script"])
    staff.goto(f"{base}/backoffice/customers/{shop['buyer'].pk}/")
    expect(staff.locator(".timeline-entries")).to_contain_text(PAYLOADS["attribute"])
    expect(staff.locator("body")).to_contain_text(PAYLOADS["textarea"])

    # then no payload ran anywhere
    assert staff.locator("img[src='x'], svg[onload]").count() == 0
    assert dialogs == []
