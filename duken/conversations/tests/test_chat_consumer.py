"""The chat's WebSocket through the real ASGI application (origin check, session and user from
the cookie) and the real in-memory channel layer: messages reach the other side live, only the
conversation's shopper and staff may connect, bad input is refused with a message."""

import os
import socket

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils.module_loading import import_string

from duken.asgi import application
from duken.conversations import chat
from duken.conversations.models import ChatMessage, Conversation
from duken.interactions.models import Event, Kind
from duken.testing.accounts import login_verified

from .conftest import XSS

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


@pytest.fixture(autouse=True)
def _in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def _session_cookie(client=None, conversation=None) -> bytes:
    """The cookie header of a logged-in test client, or of a guest session that started
    ``conversation``."""
    if client is not None:
        key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    else:
        store: SessionBase = import_string(django_settings.SESSION_ENGINE + ".SessionStore")()
        if conversation is not None:
            chat.remember(store, conversation)
        store.save()
        key = store.session_key
    return f"{django_settings.SESSION_COOKIE_NAME}={key}".encode()


def _communicator(conversation_id, cookie=b"", origin=ORIGIN, language=b"en"):
    headers = [(b"host", b"127.0.0.1:8001"), (b"accept-language", language)]
    if origin:
        headers.append(origin)
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"/ws/chat/{conversation_id}/", headers=headers)


def _staff_cookie(client, user):
    login_verified(client, user)
    return _session_cookie(client)


def test_shopper_and_staff_exchange_messages_live(client, staff):
    conversation = chat.start(text="Hello, is anyone there?", name="Aigerim", email="a@x.kz")
    guest_cookie = _session_cookie(conversation=conversation)
    staff_cookie = _staff_cookie(client, staff)

    async def scenario():
        shopper = _communicator(conversation.pk, guest_cookie)
        desk = _communicator(conversation.pk, staff_cookie)
        assert (await shopper.connect())[0]
        assert (await desk.connect())[0]
        await desk.send_json_to({"type": "message", "text": "Hello! Yes, how can I help?"})
        to_shopper = await shopper.receive_json_from(timeout=5)
        to_desk = await desk.receive_json_from(timeout=5)
        await shopper.send_json_to({"type": "message", "text": "Do you wrap gifts?"})
        second = [await shopper.receive_json_from(timeout=5), await desk.receive_json_from(5)]
        await shopper.disconnect()
        await desk.disconnect()
        return to_shopper, to_desk, second

    to_shopper, to_desk, second = async_to_sync(scenario)()
    assert to_shopper["type"] == "message" and to_shopper["message"]["by_staff"] is True
    assert to_shopper["message"]["text"] == "Hello! Yes, how can I help?"
    assert to_desk == to_shopper
    assert all(event["message"]["text"] == "Do you wrap gifts?" for event in second)
    assert list(conversation.messages.values_list("by_staff", "text")) == [
        (False, "Hello, is anyone there?"),
        (True, "Hello! Yes, how can I help?"),
        (False, "Do you wrap gifts?"),
    ]
    # the shopper was connected: no e-mail; after disconnecting no socket is counted
    conversation.refresh_from_db()
    assert conversation.shopper_sockets == 0
    assert ChatMessage.objects.get(by_staff=True).emailed_at is None


def test_a_logged_in_customer_connects_to_their_own_and_never_to_anothers(client, shopper, buyer):
    mine = chat.start(text="Mine", customer=shopper)
    theirs = chat.start(text="Theirs", customer=buyer)
    client.force_login(shopper)
    cookie = _session_cookie(client)

    async def scenario():
        own = _communicator(mine.pk, cookie)
        other = _communicator(theirs.pk, cookie)
        own_ok = (await own.connect())[0]
        other_result = await other.connect()
        await own.disconnect()
        return own_ok, other_result

    own_ok, other_result = async_to_sync(scenario)()
    assert own_ok is True
    assert other_result == (False, 4403)


def test_guests_anonymous_strangers_and_staff_without_permission_are_refused(client, clerk):
    conversation = chat.start(text="Private", email="g@x.kz")
    other_guest = _session_cookie(conversation=None)
    clerk_cookie = _staff_cookie(client, clerk)
    own_cookie = _session_cookie(conversation=conversation)

    async def scenario():
        results = []
        for cookie in (b"", other_guest, clerk_cookie):
            communicator = _communicator(conversation.pk, cookie)
            results.append(await communicator.connect())
        missing = _communicator(conversation.pk + 1000, own_cookie)
        results.append(await missing.connect())
        return results

    results = async_to_sync(scenario)()
    assert [r[0] for r in results] == [False, False, False, False]


def test_staff_whose_session_did_not_pass_the_second_factor_are_refused(client, staff):
    # given: a staff session made by the password alone (no code entered)
    conversation = chat.start(text="Private", email="g@x.kz")
    client.force_login(staff)
    cookie = _session_cookie(client)

    # when
    async def scenario():
        communicator = _communicator(conversation.pk, cookie)
        return await communicator.connect()

    connected, code = async_to_sync(scenario)()
    # then
    assert (connected, code) == (False, 4403)


def test_a_foreign_origin_is_refused(client):
    conversation = chat.start(text="Hi", email="g@x.kz")
    cookie = _session_cookie(conversation=conversation)

    async def scenario():
        communicator = _communicator(
            conversation.pk, cookie, origin=(b"origin", b"https://evil.example")
        )
        return await communicator.connect()

    assert async_to_sync(scenario)()[0] is False


def test_bad_input_over_the_socket_is_refused_with_a_message_and_saves_nothing(settings):
    settings.DUKEN_CHAT_MESSAGES_PER_MINUTE = 3
    conversation = chat.start(text="Hi", email="g@x.kz")
    cookie = _session_cookie(conversation=conversation)

    async def scenario():
        communicator = _communicator(conversation.pk, cookie)
        await communicator.connect()
        replies = []
        for content in (
            {"type": "message", "text": "x" * 2001},
            {"type": "message", "text": "   "},
            {"type": "message", "text": 42},
            {"type": "dance"},
            ["not", "an", "object"],
        ):
            await communicator.send_json_to(content)
            replies.append(await communicator.receive_json_from(timeout=5))
        await communicator.send_to(text_data="{not json")
        replies.append(await communicator.receive_json_from(timeout=5))
        # flooding: the limit is 3 a minute
        for n in range(4):
            await communicator.send_json_to({"type": "message", "text": f"flood {n}"})
            replies.append(await communicator.receive_json_from(timeout=5))
        await communicator.disconnect()
        return replies

    replies = async_to_sync(scenario)()
    assert replies[0]["type"] == "error" and "at most 2000 characters" in replies[0]["error"]
    assert replies[1] == {"type": "error", "error": "Write a message first."}
    assert replies[2]["type"] == "error"
    assert [r["type"] for r in replies[3:6]] == ["error", "error", "error"]
    assert [r["type"] for r in replies[6:]] == ["message", "message", "message", "error"]
    assert "Too many messages" in replies[-1]["error"]
    assert list(conversation.messages.values_list("text", flat=True)) == [
        "Hi",
        "flood 0",
        "flood 1",
        "flood 2",
    ]


@pytest.mark.parametrize("payload", XSS)
def test_markup_travels_as_plain_text(payload, client, staff):
    conversation = chat.start(text="Hi", email="g@x.kz")
    cookie = _session_cookie(conversation=conversation)

    async def scenario():
        communicator = _communicator(conversation.pk, cookie)
        await communicator.connect()
        await communicator.send_json_to({"type": "message", "text": payload})
        event = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return event

    assert async_to_sync(scenario)()["message"]["text"] == payload


@pytest.mark.parametrize("analytics", [True, False])
def test_a_shopper_message_over_the_socket_is_recorded_only_with_consent(analytics):
    from django.http import HttpResponse

    from duken.interactions import services as interactions
    from duken.privacy import services as privacy
    from duken.privacy.models import Purpose

    response = HttpResponse()
    privacy.set_cookie(response, {Purpose.ANALYTICS: analytics})
    consent = response.cookies[privacy.COOKIE_NAME].value
    conversation = chat.start(text="Hi", email="g@x.kz")
    cookie = (
        _session_cookie(conversation=conversation) + f"; {privacy.COOKIE_NAME}={consent}".encode()
    )

    async def scenario():
        communicator = _communicator(conversation.pk, cookie)
        await communicator.connect()
        await communicator.send_json_to({"type": "message", "text": "Thanks"})
        await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()

    async_to_sync(scenario)()
    interactions.flush()
    recorded = Event.objects.filter(kind=Kind.CHAT_MESSAGE, object_id=conversation.pk).count()
    assert recorded == (1 if analytics else 0)


def _redis_reachable() -> bool:
    if os.environ.get("DUKEN_TEST_REDIS_URL"):
        return True
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.3):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason="Redis is not reachable on 127.0.0.1:6379")
def test_messages_pass_through_the_redis_channel_layer(client, staff, settings):
    url = os.environ.get("DUKEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [url], "prefix": f"duken-test-{os.getpid()}"},
        }
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    conversation = chat.start(text="Over Redis?", email="g@x.kz")
    guest_cookie = _session_cookie(conversation=conversation)
    staff_cookie = _staff_cookie(client, staff)

    async def scenario():
        shopper = _communicator(conversation.pk, guest_cookie)
        desk = _communicator(conversation.pk, staff_cookie)
        await shopper.connect()
        await desk.connect()
        await desk.send_json_to({"type": "message", "text": "Yes, over Redis."})
        event = await shopper.receive_json_from(timeout=5)
        await shopper.disconnect()
        await desk.disconnect()
        return event

    event = async_to_sync(scenario)()
    assert event["message"]["text"] == "Yes, over Redis."
    assert Conversation.objects.get().messages.count() == 2


def test_a_ping_tells_the_shopper_when_staff_closed_the_conversation(staff):
    conversation = chat.start(text="Hi", email="g@x.kz")
    cookie = _session_cookie(conversation=conversation)

    async def scenario():
        communicator = _communicator(conversation.pk, cookie)
        await communicator.connect()
        await communicator.send_json_to({"type": "ping"})
        before = await communicator.receive_json_from(timeout=5)
        await database_sync_to_async(chat.close)(conversation, staff, "Done.")
        await communicator.send_json_to({"type": "ping"})
        after = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return before, after

    before, after = async_to_sync(scenario)()
    assert before == {"type": "pong"} and after == {"type": "closed"}


def test_socket_messages_speak_the_visitors_language():
    conversation = chat.start(text="Сәлем", email="guest@x.kz")
    cookie = _session_cookie(conversation=conversation)

    async def scenario():
        shopper = _communicator(conversation.pk, cookie, language=b"ru")
        assert (await shopper.connect())[0]
        await shopper.send_json_to({"type": "message", "text": "x" * 2001})
        reply = await shopper.receive_json_from(timeout=5)
        await shopper.disconnect()
        return reply

    reply = async_to_sync(scenario)()
    assert reply["type"] == "error" and "2000" in reply["error"]
    assert "символов" in reply["error"]


def test_malformed_frames_are_refused_with_a_message_and_the_socket_stays_open():
    # given a guest's open chat
    conversation = chat.start(text="Hi", email="g@x.kz")
    cookie = _session_cookie(conversation=conversation)
    frames = [
        {"text": '{"a":' * 2000},
        {"text": "[" * 5000 + "]" * 5000},
        {"text": '{"type": "message", "text": NaN}'},
        {"text": ""},
        {"bytes": b"\x00\xff binary"},
    ]

    async def scenario():
        communicator = _communicator(conversation.pk, cookie)
        await communicator.connect()
        replies = []
        # when each malformed frame is sent
        for frame in frames:
            await communicator.send_input({"type": "websocket.receive", **frame})
            replies.append(await communicator.receive_json_from(timeout=5))
        # then the socket still answers
        await communicator.send_json_to({"type": "ping"})
        replies.append(await communicator.receive_json_from(timeout=5))
        await communicator.disconnect()
        return replies

    replies = async_to_sync(scenario)()
    assert replies[:-1] == [{"type": "error", "error": "Unknown request."}] * len(frames)
    assert replies[-1] == {"type": "pong"}
    assert list(conversation.messages.values_list("text", flat=True)) == ["Hi"]
