"""The customer's reviews, questions and open promises on the staff timeline."""

from django.urls import reverse
from django.utils.translation import gettext as _

from duken.customers.timeline import Entry

from .models import Promise, Question, Review


def _window(queryset, field: str, limit=None, before=None):
    if before is not None:
        queryset = queryset.filter(**{f"{field}__lt": before})
    queryset = queryset.order_by(f"-{field}", "-pk")
    return queryset[:limit] if limit else queryset


def review_entries(user, limit=None, before=None, **kwargs):
    reviews = _window(
        Review.objects.filter(user=user).select_related("product"), "created_at", limit, before
    )
    for review in reviews:
        yield Entry(
            kind="review",
            occurred_at=review.created_at,
            title=_("Reviewed %(product)s: %(stars)s of 5 stars")
            % {"product": review.product.name, "stars": review.rating},
            body=review.text,
            url=reverse("admin:conversations_review_change", args=[review.pk]),
            subkind=review.status,
        )


def question_entries(user, limit=None, before=None, **kwargs):
    questions = _window(
        Question.objects.filter(user=user).select_related("product"), "created_at", limit, before
    )
    for question in questions:
        yield Entry(
            kind="question",
            occurred_at=question.created_at,
            title=_("Asked about %(product)s") % {"product": question.product.name},
            body=question.text,
            url=reverse("backoffice:inbox_question", args=[question.pk]),
            subkind="answered" if question.answered_at else "open",
        )


def open_conversations(user, **kwargs) -> int:
    return Promise.objects.filter(customer=user, status=Promise.Status.OPEN).count()
