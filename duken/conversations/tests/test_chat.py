"""The support chat's services and HTTP side: starting a conversation opens a "chat" promise,
the history survives a reload, only the conversation's shopper (or staff) reads it, bad input is
refused and changes nothing, a staff reply to an absent shopper goes by e-mail with a link back,
closing keeps the promise quoting the first words."""

import datetime as dt
import json
import re

import pytest
from django.core import mail
from django.utils import timezone

from duken.conversations import chat, guest_addresses
from duken.conversations.models import ChatMessage, Conversation, Promise
from duken.customers.timeline import timeline_page
from duken.testing.accounts import login_verified

from .conftest import XSS

pytestmark = pytest.mark.django_db


def _send(client, **data):
    state = client.get("/chat/").json()
    return client.post("/chat/send/", data, HTTP_X_CSRFTOKEN=state["csrf"])


def test_a_guest_starts_a_conversation_and_it_survives_a_reload(client):
    # when
    response = _send(client, text="Do you deliver to Aktobe?", name="Aigerim", email="a@x.kz")
    # then
    assert response.status_code == 200
    data = response.json()
    assert [m["text"] for m in data["messages"]] == ["Do you deliver to Aktobe?"]
    assert data["conversation"]["ws"].endswith(f"/ws/chat/{data['conversation']['id']}/")
    assert response.cookies[chat.COOKIE].value == "1"
    conversation = Conversation.objects.get()
    assert (conversation.name, conversation.email, conversation.customer) == (
        "Aigerim",
        "a@x.kz",
        None,
    )
    promise = Promise.objects.get()
    assert (promise.kind, promise.words, promise.target) == (
        "chat",
        "Do you deliver to Aktobe?",
        conversation,
    )
    # a reload reads the same conversation
    again = client.get("/chat/").json()
    assert again["conversation"]["id"] == conversation.pk
    assert [m["text"] for m in again["messages"]] == ["Do you deliver to Aktobe?"]
    # a second message goes into the same conversation
    assert _send(client, text="And to Atyrau?").status_code == 200
    assert Conversation.objects.count() == 1
    assert list(conversation.messages.values_list("text", flat=True)) == [
        "Do you deliver to Aktobe?",
        "And to Atyrau?",
    ]


def test_a_guest_must_leave_an_email(client):
    response = _send(client, text="Hello")
    assert response.status_code == 400
    assert "e-mail" in response.json()["error"]
    assert not Conversation.objects.exists() and not Promise.objects.exists()


def test_an_overlong_message_is_refused_with_a_message(client, shopper):
    client.force_login(shopper)
    response = _send(client, text="x" * 2001)
    assert response.status_code == 400
    assert "at most 2000 characters" in response.json()["error"]
    assert not Conversation.objects.exists()
    assert _send(client, text="x" * 2000).status_code == 200


def test_a_visitor_without_a_conversation_sees_none_and_gets_no_cookie(client):
    response = client.get("/chat/")
    assert response.json()["conversation"] is None
    assert chat.COOKIE not in response.cookies


def test_a_customer_never_reads_another_customers_conversation(client, shopper, buyer):
    theirs = chat.start(text="My private question", customer=buyer)
    client.force_login(shopper)
    assert client.get("/chat/").json()["conversation"] is None
    # nor through another guest's session, nor by a forged link
    forged = client.get("/chat/continue/forged-token/")
    assert forged.status_code == 404 and "not valid any more" in forged.content.decode()
    other_link = chat.continue_url(theirs)
    assert client.get(other_link).status_code == 403
    assert client.get("/chat/").json()["conversation"] is None


def test_a_guest_never_reads_another_guests_conversation(client):
    other = chat.start(text="Mine only", email="first@x.kz")
    assert client.get("/chat/").json()["conversation"] is None
    assert not chat.is_shopper(None, client.session, other)


def test_the_emailed_link_opens_the_conversation_in_another_browser(client):
    conversation = chat.start(text="Is the kettle 220V?", email="guest@x.kz")
    assert client.get(chat.continue_url(conversation)).status_code == 200  # one click to open
    response = client.post(chat.continue_url(conversation))
    assert response.status_code == 302 and response["Location"] == "/?chat=open"
    state = client.get("/chat/").json()
    assert state["conversation"]["id"] == conversation.pk
    assert state["messages"][0]["text"] == "Is the kettle 220V?"


def test_a_staff_reply_to_an_absent_shopper_goes_by_email_with_a_link_back(
    client, staff, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://shop.example.kz"
    conversation = chat.start(text="Is it wool?", name="Aigerim", email="guest@x.kz")
    guest_addresses.confirm(conversation.guest_address)  # the guest confirmed the address
    # the shopper has no socket open
    with django_capture_on_commit_callbacks(execute=True):
        chat.post(conversation, "Yes, pure wool.", author=staff, by_staff=True)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["guest@x.kz"]
    assert "Yes, pure wool." in email.body
    link = re.search(r"https://shop\.example\.kz(/chat/continue/\S+/)", email.body).group(1)
    # the link opens the conversation in the browser that follows it
    assert client.post(link).status_code == 302
    assert client.get("/chat/").json()["conversation"]["id"] == conversation.pk
    assert ChatMessage.objects.get(by_staff=True).emailed_at is not None
    # a guest has no timeline, but the shop keeps the e-mail it sent
    from duken.outbox.models import Message

    sent = Message.objects.get(status=Message.Status.SENT)
    assert (sent.to, sent.kind, sent.subject) == ("guest@x.kz", "chat_reply", email.subject)


def test_a_connected_shopper_gets_no_email_until_silent_for_a_while(
    staff, settings, django_capture_on_commit_callbacks
):
    settings.DUKEN_CHAT_AWAY_MINUTES = 2
    conversation = chat.start(text="Hi", email="guest@x.kz")
    guest_addresses.confirm(conversation.guest_address)  # the guest confirmed the address
    chat.shopper_connected(conversation.pk)
    conversation.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        chat.post(conversation, "Hello! How can we help?", author=staff, by_staff=True)
    assert mail.outbox == []
    # the socket stayed open but the shopper has shown no sign of life for three minutes
    Conversation.objects.filter(pk=conversation.pk).update(
        shopper_seen_at=timezone.now() - dt.timedelta(minutes=3)
    )
    conversation.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        chat.post(conversation, "Are you still there?", author=staff, by_staff=True)
    assert len(mail.outbox) == 1
    # after the socket closes, replies go by e-mail again
    chat.shopper_seen(conversation.pk)
    chat.shopper_disconnected(conversation.pk)
    conversation.refresh_from_db()
    assert conversation.shopper_sockets == 0 and chat.is_away(conversation)


def test_closing_keeps_the_promise_and_quotes_the_first_words(
    staff, shopper, django_capture_on_commit_callbacks
):
    conversation = chat.start(text="Can I return slippers?", customer=shopper)
    chat.shopper_connected(conversation.pk)
    conversation.refresh_from_db()
    chat.post(conversation, "Yes, within 14 days.", author=staff, by_staff=True)
    assert mail.outbox == []
    # when: closed without a separate reply, the last staff message is the reply
    with django_capture_on_commit_callbacks(execute=True):
        promise = chat.close(conversation, staff)
    # then
    promise.refresh_from_db()
    assert promise.status == Promise.Status.KEPT and promise.reply == "Yes, within 14 days."
    assert len(mail.outbox) == 1 and "Can I return slippers?" in mail.outbox[0].body
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    with pytest.raises(chat.ChatError):
        chat.post(conversation, "One more thing", author=shopper)
    with pytest.raises(chat.ChatError):
        chat.close(conversation, staff, "again")
    assert len(mail.outbox) == 1


def test_a_closed_conversation_is_followed_by_a_new_one(client, shopper, staff):
    client.force_login(shopper)
    _send(client, text="First")
    chat.close(Conversation.objects.get(), staff, "Answered.")
    assert _send(client, text="Second topic").status_code == 200
    assert Conversation.objects.count() == 2
    assert Promise.objects.filter(kind="chat", status="open").get().words == "Second topic"


@pytest.mark.parametrize("payload", XSS)
def test_html_in_a_message_is_kept_as_text_and_escaped_in_the_staff_page(client, staff, payload):
    conversation = chat.start(text=payload, email="guest@x.kz")
    assert conversation.messages.get().text == payload
    login_verified(client, staff)
    html = client.get(f"/backoffice/inbox/chats/{conversation.pk}/").content.decode()
    assert payload not in html
    assert payload.replace("<", "&lt;").replace(">", "&gt;") in html


def test_chat_messages_are_rate_limited(client, shopper, settings):
    settings.DUKEN_CHAT_MESSAGES_PER_MINUTE = 3
    client.force_login(shopper)
    codes = [_send(client, text=f"message {n}").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    assert ChatMessage.objects.count() == 3


def test_conversations_are_on_the_customers_timeline(shopper):
    chat.start(text="Where is my order?", customer=shopper)
    entries = [e for e in timeline_page(shopper).entries if e.kind == "chat"]
    assert len(entries) == 1
    assert entries[0].body == "Where is my order?"
    assert entries[0].title == "Chat with the shop (1 message)"


def test_ws_url_comes_from_the_setting_or_the_request_host(rf, settings):
    settings.ALLOWED_HOSTS = ["shop.local"]
    request = rf.get("/", HTTP_HOST="shop.local:8000")
    settings.WS_URL = ""
    settings.WS_PORT = 8001
    assert chat.ws_url(request, 5) == "ws://shop.local:8001/ws/chat/5/"
    settings.WS_PORT = 0
    assert chat.ws_url(request, 5) == "ws://shop.local:8000/ws/chat/5/"
    settings.WS_URL = "wss://shop.example.kz/ws"
    assert chat.ws_url(request, 5) == "wss://shop.example.kz/ws/chat/5/"


def test_the_launcher_costs_no_query_on_a_page_view(client, django_assert_max_num_queries):
    html = client.get("/").content.decode()
    assert 'id="duken-chat"' in html and "conversations/chat.js" in html
    from django.template.loader import render_to_string

    with django_assert_max_num_queries(0):
        render_to_string("conversations/_chat_launcher.html")


def test_staff_inbox_lists_chats_and_staff_without_permission_are_refused(client, staff, clerk):
    conversation = chat.start(text="Need help with sizes", email="guest@x.kz")
    login_verified(client, staff)
    inbox = client.get("/backoffice/inbox/").content.decode()
    assert f"/backoffice/inbox/chats/{conversation.pk}/" in inbox
    page = client.get(f"/backoffice/inbox/chats/{conversation.pk}/")
    assert page.status_code == 200 and "Need help with sizes" in page.content.decode()
    login_verified(client, clerk)
    assert client.get(f"/backoffice/inbox/chats/{conversation.pk}/").status_code == 403
    assert (
        client.post(f"/backoffice/inbox/chats/{conversation.pk}/close/", {"text": "x"}).status_code
        == 403
    )
    assert Conversation.objects.get().status == "open"


def test_staff_close_from_the_page(client, staff, django_capture_on_commit_callbacks):
    conversation = chat.start(text="Gift wrap?", email="guest@x.kz")
    guest_addresses.confirm(conversation.guest_address)  # the guest confirmed the address
    login_verified(client, staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/backoffice/inbox/chats/{conversation.pk}/close/", {"text": "Yes, for free."}
        )
    assert response.status_code == 302
    assert Promise.objects.get().status == "kept"
    assert "Gift wrap?" in mail.outbox[0].body and "Yes, for free." in mail.outbox[0].body
    # too long a closing reply is refused, nothing changes
    other = chat.start(text="Another", email="guest@x.kz")
    client.post(f"/backoffice/inbox/chats/{other.pk}/close/", {"text": "x" * 2001})
    assert Conversation.objects.get(pk=other.pk).status == "open"


def test_state_json_never_carries_markup_unescaped_by_mistake(client):
    _send(client, text=XSS[0], email="g@x.kz")
    raw = client.get("/chat/").content.decode()
    assert json.loads(raw)["messages"][0]["text"] == XSS[0]


def test_nul_characters_are_dropped_from_what_a_chat_keeps(client, staff):
    # given a guest writing with NUL characters (PostgreSQL cannot store them)
    response = _send(
        client, text="Gift\x00 wrap?", name="Ai\x00gerim", email="a@x.kz\x00", where="/p/\x00mug/"
    )
    assert response.status_code == 200
    conversation = Conversation.objects.get()
    login_verified(client, staff)
    # when staff close it with such a reply
    client.post(f"/backoffice/inbox/chats/{conversation.pk}/close/", {"text": "Yes\x00, free."})
    # then what is kept holds none of them
    conversation.refresh_from_db()
    promise = Promise.objects.get()
    kept = [
        conversation.name,
        conversation.email,
        conversation.started_where,
        promise.said_where,
        promise.reply,
        *conversation.messages.values_list("text", flat=True),
    ]
    assert kept == ["Aigerim", "a@x.kz", "/p/mug/", "/p/mug/", "Yes, free.", "Gift wrap?"]
    assert conversation.status == "closed"
