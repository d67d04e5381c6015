"""Product questions and answers. A question opens a promise (an answer is due); the first answer
keeps it, which e-mails the asker the answer with a link, quoting their question. Answered
questions show on the product page for everyone."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import get_language

from . import caching, promises
from .models import Answer, Promise, Question
from .reviews import is_verified_buyer


class AnswerRefused(PermissionError):
    """The user may not answer this question."""


def buyers_may_answer() -> bool:
    return bool(getattr(settings, "DUKEN_BUYERS_MAY_ANSWER", True))


def may_answer(user, question: Question) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return user.has_perm("conversations.add_answer")
    if question.user_id == user.pk:
        return False
    return buyers_may_answer() and is_verified_buyer(user, question.product_id)


def ask(user, product, text: str, *, where: str = "") -> Question:
    """Store the customer's question and open the promise of an answer."""
    with transaction.atomic():
        question = Question.objects.create(
            product=product, user=user, text=text, language=get_language() or ""
        )
        promises.open_promise(
            Promise.Kind.QUESTION,
            words=text,
            customer=user,
            target=question,
            said_at=question.created_at,
            said_where=where or product.name,
            language=question.language,
        )
        # Buyers are offered open questions to answer on the product page.
        caching.product_changed(product.pk)
    return question


def answer(question: Question, user, text: str) -> Answer:
    """Answer a question (staff, or a customer who bought the product if the shop allows it).
    The first answer keeps the open promise, which e-mails the asker."""
    if not may_answer(user, question):
        raise AnswerRefused("you may not answer this question")
    text = (text or "").strip()
    if not text:
        raise ValueError("an answer needs text")
    with transaction.atomic():
        reply = Answer.objects.create(
            question=question, user=user, text=text, by_staff=bool(user.is_staff)
        )
        if question.answered_at is None:
            question.answered_at = reply.created_at
            question.save(update_fields=["answered_at"])
        promise = promises.promise_for(question)
        if promise is not None:
            try:
                promises.close_promise(promise, text, user)
            except promises.PromiseClosed:
                pass  # an answer given at the same moment kept it (and told the customer)
        caching.product_changed(question.product_id)
    return reply


def set_hidden(question: Question, hidden: bool) -> Question:
    question.is_hidden = hidden
    question.save(update_fields=["is_hidden"])
    caching.product_changed(question.product_id)
    return question


def answered(product_id: int):
    """Questions shown on the product page, latest answered first."""
    return (
        Question.objects.filter(product_id=product_id, answered_at__isnull=False, is_hidden=False)
        .prefetch_related("answers__user")
        .order_by("-answered_at", "-pk")
    )


def waiting_for_buyers(product_id: int, limit: int = 5):
    """Open questions buyers could answer, oldest first."""
    return Question.objects.filter(
        product_id=product_id, answered_at__isnull=True, is_hidden=False
    ).order_by("created_at")[:limit]


def is_visible_to(question: Question, user) -> bool:
    """An answered, shown question is public; otherwise only the asker and staff see it."""
    if question.answered_at is not None and not question.is_hidden:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return question.user_id == user.pk or (
        user.is_staff and user.has_perm("conversations.view_question")
    )
