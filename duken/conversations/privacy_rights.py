"""What the conversations app adds to a customer's data export and does at an erasure
(``privacy.export``, ``privacy.erase``): reviews and questions are exported and kept, shown
without a name ("Customer") once the account is anonymized; chats, their messages and the
promises made to the customer are deleted, and so are the guest addresses and confirmation
mails under the customer's address."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from duken.privacy import erase, export

from .models import (
    Answer,
    ChatMessage,
    ConfirmationMail,
    Conversation,
    GuestAddress,
    Promise,
    Question,
    Review,
)


def _reviews(user, visitor_ids):
    return Review.objects.filter(user_id=user.pk).values(
        "product_id",
        "product__name",
        "rating",
        "title",
        "text",
        "language",
        "status",
        "reply",
        "helpful_count",
        "created_at",
    )


def _questions(user, visitor_ids):
    for question in Question.objects.filter(user_id=user.pk).values(
        "pk", "product_id", "product__name", "text", "language", "created_at", "answered_at"
    ):
        question["answers"] = list(
            Answer.objects.filter(question_id=question.pop("pk")).values(
                "text", "by_staff", "created_at"
            )
        )
        yield question


def _chats(user, visitor_ids):
    return Conversation.objects.filter(customer_id=user.pk).values(
        "pk", "name", "email", "language", "started_where", "status", "created_at"
    )


def _chat_messages(user, visitor_ids):
    return (
        ChatMessage.objects.filter(conversation__customer_id=user.pk)
        .order_by("conversation_id", "created_at", "pk")
        .values("conversation_id", "by_staff", "text", "created_at")
    )


def _erase(user, email):
    Conversation.objects.filter(Q(customer_id=user.pk) | Q(email__iexact=email)).delete()
    Promise.objects.filter(Q(customer_id=user.pk) | Q(email__iexact=email)).delete()
    GuestAddress.objects.filter(email__iexact=email).delete()
    ConfirmationMail.objects.filter(email__iexact=email).delete()


def register():
    export.register_source("reviews", _reviews, _("Your reviews, with the shop's replies."))
    export.register_source(
        "questions", _questions, _("Your questions about products, with their answers.")
    )
    export.register_source("chats", _chats, _("Your support chats (one row per conversation)."))
    export.register_source(
        "chat_messages",
        _chat_messages,
        _("Every message of your support chats, yours and the shop's."),
    )
    erase.register_eraser("conversations", _erase)
