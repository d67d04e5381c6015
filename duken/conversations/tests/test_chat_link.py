"""The link e-mailed to a guest who left the chat: the first browser that follows it gets the
conversation, and from then on the link works only there. A third party who got hold of the
link (a forwarded e-mail, a shared screen, a proxy log) is refused over HTTP and over the
WebSocket, and can neither read nor write; the owner's browser keeps working."""

import re

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client

from duken.conversations import chat
from duken.conversations.models import Conversation
from duken.testing.accounts import login_verified

from .test_chat_consumer import _communicator, _in_memory_layer  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)


def _browser():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _emailed_link(staff, settings, captured):
    """A guest started a chat and left; staff answered; the answer went out by e-mail."""
    settings.SITE_URL = "https://shop.example.kz"
    conversation = chat.start(text="My order to Abay 1, flat 7", name="Aigerim", email="a@x.kz")
    confirm_address(conversation)
    with captured(execute=True):
        chat.post(conversation, "We ship it tomorrow.", author=staff, by_staff=True)
    body = mail.outbox[-1].body
    return conversation, re.search(r"https://shop\.example\.kz(/chat/continue/\S+/)", body)[1]


def confirm_address(conversation):
    """The guest confirmed their address (the shop e-mails only confirmed guest addresses)."""
    if getattr(conversation, "guest_address_id", None):
        from duken.conversations import guest_addresses

        guest_addresses.confirm(conversation.guest_address)


def _cookie(client) -> bytes:
    return f"{django_settings.SESSION_COOKIE_NAME}={client.session.session_key}".encode()


def _connects(conversation, client) -> tuple:
    async def scenario():
        communicator = _communicator(conversation.pk, _cookie(client))
        result = await communicator.connect()
        if result[0]:
            await communicator.disconnect()
        return result

    return async_to_sync(scenario)()


def test_a_forwarded_link_opens_nothing_in_a_second_browser(
    staff, settings, django_capture_on_commit_callbacks
):
    # given the guest opened the e-mailed link in their browser
    conversation, link = _emailed_link(staff, settings, django_capture_on_commit_callbacks)
    owner = _browser()
    assert owner.get(link).status_code == 200  # one click to open: a mail scanner claims nothing
    assert owner.post(link)["Location"] == "/?chat=open"
    # when a third party who got the link follows it, as a browser would
    attacker = _browser()
    page = attacker.get(link)
    forced = attacker.post(link)
    # then they are refused with a page that offers a new chat or a fresh link
    assert page.status_code == 403 and forced.status_code == 403
    html = page.content.decode()
    assert "This link is already in use" in html
    assert "/chat/continue/" in html and "/fresh/" in html and "?chat=open" in html
    assert "Abay 1" not in html and "a@x.kz" not in html
    # and read nothing, write nothing, and cannot join the WebSocket
    assert attacker.get("/chat/").json()["conversation"] is None
    state = attacker.get("/chat/").json()
    attacker.post(
        "/chat/send/", {"text": "Send it elsewhere", "email": "evil@x.kz"}, **_csrf(state)
    )
    assert not conversation.messages.filter(text="Send it elsewhere").exists()
    assert _connects(conversation, attacker) == (False, 4403)
    # while the owner's browser keeps working, over HTTP and over the WebSocket
    assert owner.get(link)["Location"] == "/?chat=open"
    assert owner.get("/chat/").json()["conversation"]["id"] == conversation.pk
    assert _connects(conversation, owner)[0] is True


def _csrf(state):
    return {"HTTP_X_CSRFTOKEN": state["csrf"]}


def test_following_the_link_without_the_click_claims_nothing(
    staff, settings, django_capture_on_commit_callbacks
):
    # given a mail scanner fetched the link before the guest
    conversation, link = _emailed_link(staff, settings, django_capture_on_commit_callbacks)
    assert _browser().get(link).status_code == 200
    # when the guest opens it
    guest = _browser()
    guest.get(link)
    response = guest.post(link)
    # then it is still theirs
    assert response.status_code == 302
    assert guest.get("/chat/").json()["conversation"]["id"] == conversation.pk


def test_staff_following_the_link_do_not_take_it(
    client, staff, settings, django_capture_on_commit_callbacks
):
    conversation, link = _emailed_link(staff, settings, django_capture_on_commit_callbacks)
    login_verified(client, staff)
    assert client.post(link)["Location"] == f"/backoffice/inbox/chats/{conversation.pk}/"
    guest = _browser()
    assert guest.post(link)["Location"] == "/?chat=open"


def test_an_old_link_without_a_nonce_opens_only_where_the_conversation_is_known(client):
    # given a link e-mailed before links were bound (it carries only the conversation)
    conversation = chat.start(text="Hello", email="a@x.kz")
    from django.core import signing

    old = signing.dumps({"c": conversation.pk}, salt=chat.LINK_SALT, compress=True)
    # when a browser that does not know the conversation follows it
    response = client.post(f"/chat/continue/{old}/")
    # then it is refused
    assert response.status_code == 403
    assert client.get("/chat/").json()["conversation"] is None


def test_the_owner_on_another_device_asks_for_a_fresh_link(
    staff, settings, django_capture_on_commit_callbacks
):
    # given the link was claimed by a browser the owner no longer has at hand
    conversation, link = _emailed_link(staff, settings, django_capture_on_commit_callbacks)
    first = _browser()
    first.post(link)
    sent_before = len(mail.outbox)
    # when the owner, refused on another device, asks for a fresh link
    phone = _browser()
    assert phone.get(link).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        answer = phone.post(link.rstrip("/") + "/fresh/")
    # then the page never shows the address, and a new link goes to the conversation's address
    assert answer.status_code == 200
    assert "a@x.kz" not in answer.content.decode()
    assert len(mail.outbox) == sent_before + 1
    fresh_mail = mail.outbox[-1]
    assert fresh_mail.to == ["a@x.kz"]
    fresh = re.search(r"https://shop\.example\.kz(/chat/continue/\S+/)", fresh_mail.body)[1]
    assert fresh != link
    # which opens it on the phone, once; the first browser keeps it too
    assert phone.post(fresh)["Location"] == "/?chat=open"
    assert phone.get("/chat/").json()["conversation"]["id"] == conversation.pk
    assert first.get("/chat/").json()["conversation"]["id"] == conversation.pk
    assert _browser().post(fresh).status_code == 403
    # and asking again at once sends nothing more
    with django_capture_on_commit_callbacks(execute=True):
        phone.post(link.rstrip("/") + "/fresh/")
        _browser().post(fresh.rstrip("/") + "/fresh/")
    assert len(mail.outbox) == sent_before + 1


def test_a_fresh_link_asked_for_by_a_stranger_unclaims_nothing_of_the_owner(
    staff, settings, django_capture_on_commit_callbacks
):
    # given the owner opened the conversation
    conversation, link = _emailed_link(staff, settings, django_capture_on_commit_callbacks)
    owner = _browser()
    owner.post(link)
    # when a stranger with the old link asks for a fresh one and then follows the old link
    stranger = _browser()
    with django_capture_on_commit_callbacks(execute=True):
        stranger.post(link.rstrip("/") + "/fresh/")
    # then the fresh link went to the owner's mailbox only, the old one still opens nothing
    assert mail.outbox[-1].to == ["a@x.kz"]
    assert stranger.post(link).status_code == 403
    assert owner.get("/chat/").json()["conversation"]["id"] == conversation.pk


def test_two_browsers_opening_the_link_from_the_same_read_one_wins(
    staff, settings, django_capture_on_commit_callbacks
):
    # given two browsers whose requests both read the conversation while the link was free
    # (the interleaving of a race; real threads race on PostgreSQL in test_race_postgres.py)
    conversation, link = _emailed_link(staff, settings, django_capture_on_commit_callbacks)
    nonce = chat.from_link(link.split("/")[-2])[1]
    first, second = _browser(), _browser()
    read_by_both = Conversation.objects.get(pk=conversation.pk)
    assert chat.link_is_free(read_by_both, nonce)
    # when both claim it
    sessions = [_session(first), _session(second)]
    won = [chat.claim_link(read_by_both, nonce, session) for session in sessions]
    # then exactly one of them has it
    assert won == [True, False]
    assert [chat.is_shopper(None, s, conversation) for s in sessions] == [True, False]


def _session(client):
    session = client.session
    if session.session_key is None:
        session.save()
        client.cookies[django_settings.SESSION_COOKIE_NAME] = session.session_key
    return session
