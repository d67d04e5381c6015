"""The chat's WebSocket: ``/ws/chat/<conversation id>/``. The shopper of the conversation and
staff allowed to read it join the conversation's group; every message sent is checked, kept
(``chat.post``) and then broadcast to everyone in the group. Anyone else is refused (4403)."""

import logging

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from duken.core import jsondata, second_factor
from duken.interactions.models import Kind
from duken.interactions.services import record

from . import chat, ratelimit
from .models import Conversation

logger = logging.getLogger(__name__)

FORBIDDEN = 4403
NOT_FOUND = 4404


def request_from_scope(scope) -> HttpRequest:
    """A request carrying the socket's user, session, cookies and address, for the services
    (consent, rate limit, interaction record) that take one."""
    request = HttpRequest()
    request.user = scope.get("user")
    request.session = scope.get("session")
    request.COOKIES = dict(scope.get("cookies") or {})
    client = scope.get("client") or ("", 0)
    request.META["REMOTE_ADDR"] = client[0] or ""
    for name, value in scope.get("headers") or []:
        key = name.decode("latin1").upper().replace("-", "_")
        if key in ("USER_AGENT", "REFERER", "ACCEPT_LANGUAGE", "X_FORWARDED_FOR"):
            request.META[f"HTTP_{key}"] = value.decode("latin1")
    return request


class ChatConsumer(AsyncJsonWebsocketConsumer):
    conversation_id = None
    role = None  # "shopper" or "staff"

    async def connect(self):
        # Messages to the socket speak the visitor's language, as the pages do (language
        # cookie, then Accept-Language, then the shop's default).
        self.language = translation.get_language_from_request(request_from_scope(self.scope))
        try:
            self.conversation_id = int(self.scope["url_route"]["kwargs"]["conversation_id"])
        except (KeyError, TypeError, ValueError):
            await self.close(code=NOT_FOUND)
            return
        self.role = await database_sync_to_async(self._role)()
        if self.role is None:
            await self.close(code=FORBIDDEN)
            return
        self.group = chat.group_name(self.conversation_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        if self.role == "shopper":
            await database_sync_to_async(chat.shopper_connected)(self.conversation_id)

    def _role(self):
        user = self.scope.get("user")
        session = self.scope.get("session")
        # Staff read and write here only from a session that passed the second factor, as
        # on the staff pages.
        second_factor.attach_verification(user, session)
        conversation = Conversation.objects.filter(pk=self.conversation_id).first()
        if conversation is None:
            return None
        if chat.is_shopper(user, session, conversation):
            return "shopper"
        if chat.is_staff_reader(user):
            return "staff"
        return None

    async def disconnect(self, code):
        if self.role is None:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.role == "shopper":
            await database_sync_to_async(chat.shopper_disconnected)(self.conversation_id)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # A binary or empty frame is bad input like any other (Channels would raise on it).
        content = await self.decode_json(text_data) if text_data else None
        await self.receive_json(content, **kwargs)

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return jsondata.loads(text_data)
        except ValueError:  # also nesting too deep to decode
            return None  # answered as an unknown request

    async def receive_json(self, content, **kwargs):
        with translation.override(getattr(self, "language", None)):
            await self._receive(content)

    async def _receive(self, content):
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "error": _("Unknown request.")})
            return
        kind = content.get("type")
        if kind == "ping":
            # A conversation staff closed from the back office (another process) is noticed here.
            if self.role == "shopper":
                if not await database_sync_to_async(chat.shopper_seen)(self.conversation_id):
                    await self.send_json({"type": "closed"})
                    return
            await self.send_json({"type": "pong"})
            return
        if kind != "message":
            await self.send_json({"type": "error", "error": _("Unknown request.")})
            return
        try:
            data = await database_sync_to_async(self._post)(content.get("text"))
        except chat.ChatError as error:
            await self.send_json({"type": "error", "error": str(error)})
            return
        except ratelimit.RateLimited:
            await self.send_json(
                {"type": "error", "error": _("Too many messages at once. Wait a minute, please.")}
            )
            return
        await self.channel_layer.group_send(self.group, {"type": "chat.message", "message": data})

    def _post(self, text):
        request = request_from_scope(self.scope)
        user = request.user
        conversation = Conversation.objects.get(pk=self.conversation_id)
        if self.role == "staff":
            if not chat.is_staff_writer(user):
                raise chat.ChatError(_("You may read this conversation but not write in it."))
            message = chat.post(conversation, text, author=user, by_staff=True)
        else:
            text = chat.clean_text(text)
            ratelimit.check(request, scope="chat", limit=chat.messages_per_minute())
            message = chat.post(conversation, text, author=user, by_staff=False)
            record(request, Kind.CHAT_MESSAGE, obj=conversation, properties={"length": len(text)})
        return chat.message_data(message)

    async def chat_message(self, event):
        await self.send_json({"type": "message", "message": event["message"]})

    async def chat_closed(self, event):
        await self.send_json({"type": "closed", "text": event.get("text", "")})


def broadcast(conversation_id: int, event: dict) -> None:
    """Send an event to the conversation's sockets from synchronous code (an HTTP view): it
    reaches them when the channel layer is shared (Redis), or when called in the same process."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(chat.group_name(conversation_id), event)
    except Exception:
        logger.exception("chat event could not be broadcast")
