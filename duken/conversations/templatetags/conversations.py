"""The reviews and questions block of the product page.

The public part (rating, distribution, reviews in the chosen order, answered questions) is
rendered once per product, language and sort and cached under the product's conversations
version (``caching.py``): a cached view costs no query. What belongs to one visitor (the
review form for verified buyers, the ask form, the CSRF token of the vote buttons) is never in
the shared fragment: the fragment carries markers (``<!--…-->``, which escaped user text can
never contain) that are replaced per request. A signed-in visitor costs one query (are they a
verified buyer), a buyer one more (their own review); the open questions a buyer may
answer are cached with the block."""

from django import template
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from .. import caching, questions, reviews
from ..models import ProductRating, Review

register = template.Library()

REVIEWS_ON_PAGE = 5
QUESTIONS_ON_PAGE = 10
CSRF_MARKER = "<!--dk-csrf-->"
REVIEW_BOX_MARKER = "<!--dk-review-box-->"
ASK_BOX_MARKER = "<!--dk-ask-box-->"
BUYER_ANSWERS_MARKER = "<!--dk-buyer-answers-->"


def public_block(product, version: int | None, sort: str, language: str) -> str:
    """The shared part of the block; ``version`` None means the product is not talked about
    (``caching.talked_about``): then it is the one empty block of the language."""
    if version is None:
        key = f"conversations:block:quiet:{language}"
    else:
        key = caching.fragment_key(product.pk, version, language, sort)
    html = cache.get(key)
    if html is None:
        rating = (
            None if version is None else ProductRating.objects.filter(product_id=product.pk).first()
        )
        html = render_to_string(
            "conversations/_block.html",
            {
                "product": product,
                "rating": rating,
                "reviews": []
                if version is None
                else list(reviews.published(product.pk, sort)[:REVIEWS_ON_PAGE]),
                "sort": sort,
                "sorts": reviews.sort_choices(),
                "questions": []
                if version is None
                else list(questions.answered(product.pk)[:QUESTIONS_ON_PAGE]),
                "CSRF_MARKER": mark_safe(CSRF_MARKER),
                "REVIEW_BOX_MARKER": mark_safe(REVIEW_BOX_MARKER),
                "ASK_BOX_MARKER": mark_safe(ASK_BOX_MARKER),
                "BUYER_ANSWERS_MARKER": mark_safe(BUYER_ANSWERS_MARKER),
            },
        )
        cache.set(key, html, caching.FRAGMENT_TTL)
    return html


def _waiting_questions(product_id: int, version: int) -> list[dict]:
    """Open questions buyers may answer, cached with the block (asking bumps the version)."""
    key = f"conversations:waiting:{product_id}:{version}"
    waiting = cache.get(key)
    if waiting is None:
        waiting = list(questions.waiting_for_buyers(product_id).values("pk", "text", "user_id"))
        cache.set(key, waiting, caching.FRAGMENT_TTL)
    return waiting


def _personal(request, product, version: int | None) -> dict[str, str]:
    user = request.user
    token = get_token(request)
    context = {"product": product, "csrf_token": token, "user": user, "request": request}
    # Separate simple queries cost less than one query with subqueries (compiling is the cost).
    bought = user.is_authenticated and reviews.is_verified_buyer(user, product)
    own = Review.objects.filter(product_id=product.pk, user=user).first() if bought else None
    context.update(bought=bought, own_review=own)
    parts = {
        CSRF_MARKER: format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token
        ),
        REVIEW_BOX_MARKER: render_to_string("conversations/_review_box.html", context),
        ASK_BOX_MARKER: render_to_string("conversations/_ask_box.html", context),
        BUYER_ANSWERS_MARKER: "",
    }
    if bought and questions.buyers_may_answer():
        if version is None:
            version = caching.product_version(product.pk)
        waiting = [q for q in _waiting_questions(product.pk, version) if q["user_id"] != user.pk]
        if waiting:
            parts[BUYER_ANSWERS_MARKER] = render_to_string(
                "conversations/_buyer_answers.html", {**context, "waiting": waiting}
            )
    return parts


@register.simple_tag(takes_context=True)
def product_conversations(context):
    request = context["request"]
    product = context["product"]
    sort = request.GET.get("reviews", reviews.DEFAULT_SORT)
    if sort not in reviews.SORTS:
        sort = reviews.DEFAULT_SORT
    talked = product.pk in caching.talked_about()
    version = caching.product_version(product.pk) if talked else None
    html = public_block(product, version, sort, get_language() or "")
    for marker, value in _personal(request, product, version).items():
        html = html.replace(marker, str(value))
    return mark_safe(html)  # noqa: S308 - every user text in it was escaped when rendered


@register.inclusion_tag("conversations/_stars.html")
def stars(value, size=""):
    value = float(value or 0)
    full = int(value + 0.5)
    return {"value": value, "full": range(full), "empty": range(5 - full), "size": size}
