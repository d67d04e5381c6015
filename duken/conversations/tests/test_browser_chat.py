"""In headless Chromium, two browser contexts: a guest opens the help chat on the home page,
staff answer from the back-office chat page, and messages appear live on both sides over the
real WebSocket server (Granian running ``duken.asgi`` beside Django's live server). Markup in a
message is shown as text, never run; the conversation survives a reload; closing it e-mails
the guest the reply quoting their first words (real SMTP)."""

import asyncio
import re
import socket
import threading
import time

import pytest
from django.contrib.auth import get_user_model

from duken.conversations.models import ChatMessage, Conversation, Promise
from duken.testing.accounts import authenticator, pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOAD = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ws_server(settings):
    """The chat's ASGI application served by Granian (embedded, in a thread of this process, so
    it shares the test database), with the in-memory channel layer."""
    from channels.layers import channel_layers
    from granian.constants import Interfaces
    from granian.server.embed import Server

    from duken.asgi import application

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    port = _free_port()
    server = Server(
        application, address="127.0.0.1", port=port, interface=Interfaces.ASGINL, log_enabled=False
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    settings.WS_PORT = port
    settings.WS_URL = ""
    yield port
    loop.call_soon_threadsafe(server.stop)
    thread.join(10)
    channel_layers.backends.clear()


@pytest.fixture
def staff_user(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    user = get_user_model().objects.create_superuser("staff@duken.example", "staff-pass-12345")
    authenticator(user)  # staff pass a second factor after the password
    return user


def test_shopper_and_staff_chat_live(live_server, ws_server, browser, staff_user, smtp_server):
    from playwright.sync_api import expect

    base = live_server.url
    first_words = f"Do you deliver to Aktobe? {PAYLOAD}"
    dialogs = []
    shopper = browser.new_context(locale="en-US").new_page()
    shopper.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    # a guest opens the chat from the home page and writes
    shopper.goto(base + "/")
    shopper.get_by_role("button", name="Help chat").click()
    panel = shopper.locator("#chat-panel")
    expect(panel).to_be_visible()
    shopper.fill("#chat-name", "Aigerim")
    shopper.fill("#chat-email", "aigerim@example.kz")
    shopper.fill("#chat-text", first_words)
    panel.get_by_role("button", name="Send").click()
    expect(panel.locator(".chat-message").first).to_contain_text(first_words)
    expect(shopper.locator("#duken-chat[data-connected]")).to_have_count(1)
    expect(shopper.locator("#chat-email")).to_be_hidden()
    # the guest's address waits for its owner's confirmation, and the panel says so
    expect(panel.locator(".chat-notice-confirm")).to_contain_text(
        "We sent a confirmation link to aigerim@example.kz"
    )

    # staff find it in the inbox and open the chat beside the timeline
    staff = browser.new_context(locale="en-US").new_page()
    staff.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    staff.goto(base + "/admin/login/?next=/backoffice/inbox/")
    staff.fill("#id_username", "staff@duken.example")
    staff.fill("#id_password", "staff-pass-12345")
    staff.click("input[type=submit]")
    pass_second_factor(staff, staff_user)
    expect(staff.locator("#result_list")).to_contain_text("Do you deliver to Aktobe?")
    staff.locator("#result_list a[href*='/backoffice/inbox/chats/']").first.click()
    desk = staff.locator("#duken-staff-chat")
    expect(desk.locator(".chat-message").first).to_contain_text(first_words)
    expect(staff.locator("#duken-staff-chat[data-connected]")).to_have_count(1)

    # staff answer: it appears on the shopper's page without a reload
    staff.fill("#chat-text", "Hello Aigerim! Yes, in 3 days.")
    desk.get_by_role("button", name="Send").click()
    expect(panel.locator(".chat-message").nth(1)).to_contain_text("Hello Aigerim! Yes, in 3 days.")
    expect(desk.locator(".chat-message").nth(1)).to_contain_text("Hello Aigerim!")

    # the shopper answers back, live, with another payload
    shopper.fill("#chat-text", "Thanks! <b>bold?</b>")
    shopper.keyboard.press("Enter")
    expect(desk.locator(".chat-message").nth(2)).to_contain_text("Thanks! <b>bold?</b>")
    assert desk.locator(".chat-message b").count() == 0

    # too long a message is refused with a clear message, nothing is sent
    shopper.evaluate(
        "document.querySelector('#chat-text').removeAttribute('maxlength');"
        "document.querySelector('#chat-text').value = 'x'.repeat(2001)"
    )
    panel.get_by_role("button", name="Send").click()
    expect(panel.locator(".chat-error")).to_contain_text("at most 2000 characters")

    # a reload keeps the conversation
    shopper.reload()
    shopper.get_by_role("button", name="Help chat").click()
    expect(panel.locator(".chat-message")).to_have_count(3)
    expect(panel.locator(".chat-message").nth(1)).to_contain_text("Yes, in 3 days.")

    # the guest confirms the address from the e-mail (in the mail app's browser)
    (confirmation,) = smtp_server.to("aigerim@example.kz")
    text = confirmation.get_body(preferencelist=("plain",)).get_content()
    mailbox = browser.new_context(locale="en-US").new_page()
    mailbox.goto(base + re.search(r"https?://[^/]+(/confirm/\S+/)", text)[1])
    mailbox.get_by_role("button", name="Yes, it was me: confirm").click()
    expect(mailbox.locator("h1")).to_contain_text("Your address is confirmed")

    # staff close the conversation: the promise is kept and the guest is e-mailed
    staff.fill("#close-text", "Your parcel leaves tomorrow.")
    staff.get_by_role("button", name="Close and send the reply").click()
    expect(staff.locator(".messagelist")).to_contain_text("The conversation is closed")
    assert dialogs == []

    conversation = Conversation.objects.get()
    assert conversation.status == Conversation.Status.CLOSED
    assert ChatMessage.objects.filter(conversation=conversation).count() == 3
    assert Promise.objects.get(kind="chat").status == Promise.Status.KEPT
    received = smtp_server.to("aigerim@example.kz")
    assert len(received) == 2
    body = received[1].get_body(preferencelist=("plain",)).get_content()
    assert first_words in body and "Your parcel leaves tomorrow." in body
