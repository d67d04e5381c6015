"""The support chat: a shopper opens a conversation from any page, staff answer from the inbox,
messages travel live over a WebSocket (see ``consumers.py``) and are kept here, so the
conversation survives a reload. A staff reply to a shopper who is away goes out by e-mail with
a signed link back to the conversation. Each conversation opens a "chat" promise; closing the
conversation keeps it (the customer gets the reply quoting their first words).

Who may read a conversation: its customer, the browser session that started it (or the one
browser that followed the signed link first: the link is bound to it, see ``claim_link``), and
staff holding ``conversations.view_promise``."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import DisallowedHost, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from duken.core import second_factor

from . import guest_addresses, promises
from .models import (
    CHAT_MESSAGE_MAX,
    CHAT_NAME_MAX,
    ChatMessage,
    Conversation,
    Promise,
    new_link_nonce,
)

logger = logging.getLogger(__name__)

SESSION_KEY = "duken_chat"
# A cookie (no secret in it) that tells the page's script a conversation exists, so a page view
# of a visitor without one costs nothing.
COOKIE = "duken_chat"
LINK_SALT = "duken.conversations.chat.link"
LINK_MAX_AGE = 60 * 60 * 24 * 60  # e-mailed links stay valid for two months
GROUP_PREFIX = "chat"
# At most one fresh link per conversation in this time (the refusal page says so).
FRESH_LINK_EVERY = timedelta(minutes=15)


class ChatError(ValueError):
    """A message or a conversation refused, with a message for the sender."""


def group_name(conversation_id: int) -> str:
    return f"{GROUP_PREFIX}.{int(conversation_id)}"


def messages_per_minute() -> int:
    return int(getattr(settings, "DUKEN_CHAT_MESSAGES_PER_MINUTE", 20))


def away_after() -> timedelta:
    return timedelta(minutes=float(getattr(settings, "DUKEN_CHAT_AWAY_MINUTES", 2)))


# Validation -----------------------------------------------------------------------------


def _plain(text) -> str:
    # NUL characters are never meant and PostgreSQL cannot store them.
    return (text if isinstance(text, str) else "").replace("\x00", "").strip()


def clean_text(text) -> str:
    text = _plain(text)
    if not text:
        raise ChatError(_("Write a message first."))
    if len(text) > CHAT_MESSAGE_MAX:
        raise ChatError(
            _("A message can be at most %(max)d characters long (this one has %(count)d).")
            % {"max": CHAT_MESSAGE_MAX, "count": len(text)}
        )
    return text


def clean_contact(name, email, customer) -> tuple[str, str]:
    name, email = _plain(name), _plain(email)
    if len(name) > CHAT_NAME_MAX:
        raise ChatError(
            _("The name can be at most %(max)d characters long.") % {"max": CHAT_NAME_MAX}
        )
    if customer is None:
        if not email:
            raise ChatError(_("Leave your e-mail so we can answer even if you leave the page."))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ChatError(_("Enter a valid e-mail address.")) from None
    return name, email


# Conversations ----------------------------------------------------------------------------


def start(
    *, text, customer=None, name="", email="", language="", where="", visitor=""
) -> Conversation:
    """Open a conversation with its first message and its "chat" promise. A customer's replies
    go to their account's address; a guest's to the address they give, once confirmed from
    the browser ``visitor`` (the confirmation link is e-mailed when the conversation starts)."""
    text = clean_text(text)
    customer = customer if getattr(customer, "is_authenticated", False) else None
    name, email = clean_contact(name, email, customer)
    if customer is not None:
        email = ""  # never an address the customer did not prove: theirs is on the account
    where = _plain(where)
    now = timezone.now()
    with transaction.atomic():
        address = guest_addresses.address_for(email, visitor, language) if email else None
        conversation = Conversation.objects.create(
            customer=customer,
            name=name,
            email=email,
            guest_address=address,
            language=language[:8],
            started_where=where[:200],
            created_at=now,
            last_message_at=now,
        )
        ChatMessage.objects.create(
            conversation=conversation, author=customer, text=text, created_at=now
        )
        promises.open_promise(
            Promise.Kind.CHAT,
            words=text,
            customer=customer,
            email=email,
            guest_address=address,
            target=conversation,
            said_at=now,
            said_where=where,
            language=language,
        )
        guest_addresses.ask_to_confirm(address)
    return conversation


def post(conversation: Conversation, text, *, author=None, by_staff=False) -> ChatMessage:
    """Add a message. A staff message to a shopper who is away is e-mailed to them."""
    text = clean_text(text)
    now = timezone.now()
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status != Conversation.Status.OPEN:
            raise ChatError(_("This conversation is closed. Start a new one to write to us."))
        message = ChatMessage.objects.create(
            conversation=locked,
            author=author if getattr(author, "is_authenticated", False) else None,
            by_staff=by_staff,
            text=text,
            created_at=now,
        )
        changes = {"last_message_at": now}
        if not by_staff:
            changes["shopper_seen_at"] = now
        Conversation.objects.filter(pk=locked.pk).update(**changes)
        if by_staff and is_away(locked, now) and locked.recipient:
            from .chat_emails import email_reply

            email_reply(message.pk)  # queued in the outbox with the message
    return message


def is_away(conversation: Conversation, now=None) -> bool:
    """The shopper has no socket open, or none has shown a sign of life for a while."""
    now = now or timezone.now()
    if conversation.shopper_sockets <= 0 or conversation.shopper_seen_at is None:
        return True
    return conversation.shopper_seen_at < now - away_after()


def shopper_connected(conversation_id: int) -> None:
    Conversation.objects.filter(pk=conversation_id).update(
        shopper_sockets=F("shopper_sockets") + 1, shopper_seen_at=timezone.now()
    )


def shopper_seen(conversation_id: int) -> bool:
    """Note a sign of life from the shopper; returns whether the conversation is still open."""
    return bool(
        Conversation.objects.filter(pk=conversation_id, status=Conversation.Status.OPEN).update(
            shopper_seen_at=timezone.now()
        )
    )


def shopper_disconnected(conversation_id: int) -> None:
    Conversation.objects.filter(pk=conversation_id, shopper_sockets__gt=0).update(
        shopper_sockets=F("shopper_sockets") - 1
    )


def close(conversation: Conversation, by, reply: str = "") -> Promise | None:
    """Close the conversation and keep its promise: the customer is e-mailed ``reply`` (or the
    last staff message) quoting their first words. Raises ``ChatError`` with nothing to say."""
    reply = _plain(reply)
    if len(reply) > CHAT_MESSAGE_MAX:
        raise ChatError(
            _("A message can be at most %(max)d characters long (this one has %(count)d).")
            % {"max": CHAT_MESSAGE_MAX, "count": len(reply)}
        )
    if not reply:
        last = conversation.messages.filter(by_staff=True).order_by("-created_at", "-pk").first()
        reply = last.text if last else ""
    if not reply:
        raise ChatError(_("Write the reply the customer will receive."))
    promise = promises.promise_for(conversation)
    with transaction.atomic():
        updated = Conversation.objects.filter(
            pk=conversation.pk, status=Conversation.Status.OPEN
        ).update(status=Conversation.Status.CLOSED)
        if not updated:
            raise ChatError(_("This conversation is already closed."))
        conversation.status = Conversation.Status.CLOSED
        if promise is not None:
            promises.close_promise(promise, reply, by)
    return promise


# Access -----------------------------------------------------------------------------------


def session_ids(session) -> list[int]:
    if session is None:
        return []
    ids = session.get(SESSION_KEY) or []
    return [int(i) for i in ids if isinstance(i, int)]


def remember(session, conversation: Conversation) -> None:
    ids = [i for i in session_ids(session) if i != conversation.pk]
    session[SESSION_KEY] = (ids + [conversation.pk])[-10:]


def is_staff_reader(user) -> bool:
    """Staff allowed to read chats, in a session that passed the second factor."""
    return second_factor.is_verified_staff(user) and user.has_perm("conversations.view_promise")


def is_staff_writer(user) -> bool:
    return is_staff_reader(user) and user.has_perm("conversations.change_promise")


def is_shopper(user, session, conversation: Conversation) -> bool:
    if conversation.customer_id is not None:
        return getattr(user, "is_authenticated", False) and user.pk == conversation.customer_id
    return conversation.pk in session_ids(session)


def current_for(user, session) -> Conversation | None:
    """The shopper's newest conversation: theirs if logged in, else the session's."""
    ids = session_ids(session)
    conversations = Conversation.objects.select_related("customer", "guest_address")
    if getattr(user, "is_authenticated", False):
        found = conversations.filter(customer=user).order_by("-created_at", "-pk").first()
        if found is not None:
            return found
    if ids:
        candidates = conversations.filter(pk__in=ids, customer__isnull=True)
        return candidates.order_by("-created_at", "-pk").first()
    return None


def continue_url(conversation: Conversation) -> str:
    token = signing.dumps(
        {"c": conversation.pk, "n": conversation.link_nonce}, salt=LINK_SALT, compress=True
    )
    return reverse("conversations:chat_continue", args=[token])


def from_link(token: str) -> tuple[Conversation, str] | None:
    """The conversation a signed link points to and the nonce it carries ("" in links sent
    before links were bound to a browser: those open only where the conversation is known)."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    pk = data.get("c") if isinstance(data, dict) else None
    if not isinstance(pk, int):
        return None
    nonce = data.get("n")
    conversation = Conversation.objects.select_related("customer").filter(pk=pk).first()
    if conversation is None:
        return None
    return conversation, nonce if isinstance(nonce, str) else ""


def link_is_free(conversation: Conversation, nonce: str) -> bool:
    """Whether the link with ``nonce`` is current and no browser has claimed it yet."""
    return bool(nonce) and nonce == conversation.link_nonce and conversation.link_claimed_at is None


def claim_link(conversation: Conversation, nonce: str, session) -> bool:
    """Bind a guest's conversation to the browser that follows its e-mailed link first: one
    conditional UPDATE, so of two browsers opening the link at the same moment exactly one
    wins, on SQLite and PostgreSQL alike. The winner's session may read and write from now on;
    everyone else who follows the same link is refused."""
    if not nonce:
        return False
    claimed = Conversation.objects.filter(
        pk=conversation.pk, link_nonce=nonce, link_claimed_at__isnull=True
    ).update(link_claimed_at=timezone.now())
    if claimed:
        remember(session, conversation)
    return bool(claimed)


def send_fresh_link(conversation: Conversation) -> bool:
    """E-mail a new link (a new nonce, not claimed yet) to the conversation's own address, at
    most once per ``FRESH_LINK_EVERY``; earlier unclaimed links stop working. Browsers that
    already hold the conversation keep it. Returns whether a link is on its way."""
    if conversation.customer_id is not None or not conversation.recipient:
        return False
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            Conversation.objects.filter(pk=conversation.pk)
            .filter(Q(link_sent_at__isnull=True) | Q(link_sent_at__lt=now - FRESH_LINK_EVERY))
            .update(
                link_sent_at=now,
                link_nonce=new_link_nonce(),
                link_claimed_at=None,
                link_mailed_at=None,
            )
        )
        if claimed:
            from .chat_emails import email_link

            email_link(conversation.pk)  # queued in the outbox with the new link
    return bool(claimed)


def ws_url(request, conversation_id: int | None = None) -> str:
    """Where the page connects: ``WS_URL`` when set (behind a proxy), else the request's host
    on ``WS_PORT`` (or the same port when none is set)."""
    base = getattr(settings, "WS_URL", "") or ""
    if not base:
        scheme = "wss" if request.is_secure() else "ws"
        host = request.get_host()
        port = int(getattr(settings, "WS_PORT", 0) or 0)
        if port:
            hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            host = f"{hostname}:{port}"
        base = f"{scheme}://{host}/ws/"
    base = base if base.endswith("/") else base + "/"
    return f"{base}chat/{conversation_id}/" if conversation_id else base


def ws_csp_sources(request) -> list[str]:
    """The chat's WebSocket address for the page's connect-src (another port than the page's,
    so 'self' does not cover it)."""
    try:
        return [ws_url(request)]
    except DisallowedHost:  # the response is the refusal of that host already
        return []


# What the page shows -----------------------------------------------------------------------


def message_data(message: ChatMessage) -> dict:
    return {
        "id": message.pk,
        "text": message.text,
        "by_staff": message.by_staff,
        "at": timezone.localtime(message.created_at).isoformat(),
    }


def history(conversation: Conversation, limit: int = 200) -> list[ChatMessage]:
    messages = conversation.messages.order_by("-created_at", "-pk")[:limit]
    return list(reversed(messages))


def open_conversations():
    return Conversation.objects.filter(status=Conversation.Status.OPEN)


# The timeline ------------------------------------------------------------------------------


def timeline_entries(user, limit=None, before=None, **kwargs):
    from duken.customers.timeline import Entry

    conversations = Conversation.objects.filter(customer=user).annotate(count=Count("messages"))
    if before is not None:
        conversations = conversations.filter(created_at__lt=before)
    conversations = conversations.order_by("-created_at", "-pk")
    if limit:
        conversations = conversations[:limit]
    for conversation in conversations:
        first = conversation.messages.order_by("created_at", "pk").first()
        count = conversation.count
        yield Entry(
            kind="chat",
            occurred_at=conversation.created_at,
            title=ngettext(
                "Chat with the shop (%(count)d message)",
                "Chat with the shop (%(count)d messages)",
                count,
            )
            % {"count": count},
            body=first.text if first else "",
            url=reverse("backoffice:inbox_chat", args=[conversation.pk]),
            subkind=conversation.status,
        )
