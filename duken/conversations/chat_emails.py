"""A staff chat reply e-mailed to a shopper who left the chat, in their language, with a signed
link back to the conversation (``chat.continue_url``); sent at most once per message. And a
fresh link, asked for from a browser the first link was refused in."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from duken.outbox import services as outbox

from .chat import continue_url
from .models import ChatMessage, Conversation


def _language(conversation: Conversation) -> str:
    languages = {code for code, _name in settings.LANGUAGES}
    for candidate in (conversation.language, getattr(conversation.customer, "language", "")):
        if candidate and candidate[:2] in languages:
            return candidate[:2]
    return settings.LANGUAGE_CODE


def build_reply_email(message: ChatMessage) -> EmailMultiAlternatives:
    conversation = message.conversation
    with translation.override(_language(conversation)):
        name = conversation.name or getattr(conversation.customer, "first_name", "") or ""
        context = {
            "name": name.strip(),
            "reply": message.text,
            "link": settings.SITE_URL.rstrip("/") + continue_url(conversation),
            "site_url": settings.SITE_URL,
        }
        subject = _("The shop answered you in the chat")
        text = render_to_string("conversations/email/chat_reply.txt", context)
        html = render_to_string("conversations/email/chat_reply.html", context)
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[conversation.recipient],
    )
    email.attach_alternative(html, "text/html")
    return email


def email_reply(message_id: int) -> bool:
    """Queue a staff message for the absent shopper in the outbox, at most once."""
    message = (
        ChatMessage.objects.select_related("conversation__customer", "conversation__guest_address")
        .filter(pk=message_id, by_staff=True)
        .first()
    )
    if message is None or message.emailed_at or not message.conversation.recipient:
        return False
    email = build_reply_email(message)
    pending = ChatMessage.objects.filter(pk=message.pk)
    return outbox.email_once(
        email,
        key=f"chat-reply:{message.pk}",
        claim=lambda: pending.filter(emailed_at__isnull=True).update(emailed_at=timezone.now()),
        kind="chat_reply",
        user=message.conversation.customer,
        reference=str(message.conversation_id),
    )


def build_link_email(conversation: Conversation) -> EmailMultiAlternatives:
    with translation.override(_language(conversation)):
        name = conversation.name or ""
        context = {
            "name": name.strip(),
            "link": settings.SITE_URL.rstrip("/") + continue_url(conversation),
            "site_url": settings.SITE_URL,
        }
        subject = _("Your link to the conversation with Duken")
        text = render_to_string("conversations/email/chat_link.txt", context)
        html = render_to_string("conversations/email/chat_link.html", context)
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[conversation.recipient],
    )
    email.attach_alternative(html, "text/html")
    return email


def email_link(conversation_id: int) -> bool:
    """Queue the fresh link ``chat.send_fresh_link`` made in the outbox, at most once."""
    conversation = (
        Conversation.objects.select_related("guest_address").filter(pk=conversation_id).first()
    )
    if conversation is None or conversation.link_mailed_at or not conversation.recipient:
        return False
    pending = Conversation.objects.filter(pk=conversation.pk, link_nonce=conversation.link_nonce)
    return outbox.email_once(
        build_link_email(conversation),
        key=f"chat-link:{conversation.pk}:{conversation.link_nonce}",
        claim=lambda: pending.filter(link_mailed_at__isnull=True).update(
            link_mailed_at=timezone.now()
        ),
        kind="chat_link",
        reference=str(conversation.pk),
    )
