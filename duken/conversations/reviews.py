"""Reviews and ratings: verified purchases only, moderated before they show, a public reply from
the shop, helpful votes, and the product's rating kept up to date here (never aggregated on the
product page)."""

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from duken.catalog.caching import bump_catalog_version
from duken.catalog.models import Product
from duken.orders.models import OrderEvent, OrderLine, OrderStatus

from . import caching
from .models import REASON_MAX, Review, ReviewVote

# "Verified purchase": the customer has an order with the product that was paid or went further
# in the order pipeline (paid, awaiting stock, packed, shipped, delivered, completed, returned)
# and was not cancelled; a refunded order counts only when it was returned first (a refund of
# a cancelled order means the goods never left).
VERIFIED_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.AWAITING_STOCK,
    OrderStatus.PACKED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
    OrderStatus.RETURNED,
)

SORTS = {
    "newest": ("-created_at", "-pk"),
    "helpful": ("-helpful_count", "-created_at", "-pk"),
    "highest": ("-rating", "-created_at", "-pk"),
    "lowest": ("rating", "-created_at", "-pk"),
}
DEFAULT_SORT = "helpful"


def sort_choices():
    return [
        ("helpful", _("Most helpful")),
        ("newest", _("Newest")),
        ("highest", _("Highest rating")),
        ("lowest", _("Lowest rating")),
    ]


class ReviewError(ValueError):
    """A review action refused; the message is shown to the customer."""


class NotAPurchaser(ReviewError):
    pass


class AlreadyVoted(ReviewError):
    pass


class OwnReview(ReviewError):
    pass


def verified_lines(user, product_id):
    """The order lines that make ``user`` a verified buyer of the product."""
    returned = OrderEvent.objects.filter(order=OuterRef("order"), to_status=OrderStatus.RETURNED)
    return OrderLine.objects.filter(order__user=user, product_id=product_id).filter(
        Q(order__status__in=VERIFIED_STATUSES)
        | Q(Exists(returned), order__status=OrderStatus.REFUNDED)
    )


def is_verified_buyer(user, product) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return verified_lines(user, getattr(product, "pk", product)).exists()


def refresh_rating(product_id: int) -> None:
    """Recount the product's rating from its approved reviews (one grouped query, one write)."""
    from .models import ProductRating

    counts = dict(
        Review.objects.filter(product_id=product_id, status=Review.Status.APPROVED)
        .values_list("rating")
        .annotate(n=Count("pk"))
        .order_by()
    )
    fields = {f"stars_{s}": counts.get(s, 0) for s in range(1, 6)}
    fields["count"] = sum(counts.values())
    fields["total"] = sum(s * n for s, n in counts.items())
    ProductRating.objects.update_or_create(product_id=product_id, defaults=fields)
    # Product tiles show the rating: renew the product's version (tiles are cached by it) and
    # the catalog's (listings are cached by it), now and once the change is committed.
    Product.objects.filter(pk=product_id).update(updated_at=timezone.now())
    bump_catalog_version()
    transaction.on_commit(bump_catalog_version)


def ratings_of(product_ids) -> dict[int, tuple[float, int]]:
    """``{product id: (average stars, number of reviews)}`` for those of ``product_ids`` with
    approved reviews; no query when none of them has any (most products, most of the time)."""
    from .models import ProductRating

    talked = caching.talked_about()
    ids = [pk for pk in product_ids if pk in talked]
    if not ids:
        return {}
    rows = ProductRating.objects.filter(product_id__in=ids, count__gt=0).values_list(
        "product_id", "count", "total"
    )
    return {pk: (total / count, count) for pk, count, total in rows}


def _changed(product_id: int) -> None:
    refresh_rating(product_id)
    caching.product_changed(product_id)


def submit_review(user, product, *, rating: int, text: str, title: str = "") -> Review:
    """Write or rewrite the customer's review of a product; it waits for moderation again.
    Raises ``NotAPurchaser`` unless the customer bought the product."""
    if not is_verified_buyer(user, product):
        raise NotAPurchaser("only customers who bought the product can review it")
    if not 1 <= int(rating) <= 5:
        raise ReviewError("the rating is from 1 to 5 stars")
    now = timezone.now()
    with transaction.atomic():
        review, created = Review.objects.select_for_update().get_or_create(
            product=product,
            user=user,
            defaults={
                "rating": rating,
                "title": title,
                "text": text,
                "language": get_language() or "",
                "created_at": now,
                "updated_at": now,
            },
        )
        if not created:
            was_public = review.status == Review.Status.APPROVED
            review.rating, review.title, review.text = rating, title, text
            review.status = Review.Status.PENDING
            review.rejection_reason = ""
            review.updated_at = now
            review.save()
            if was_public:
                _changed(product.pk)
    return review


def approve(review: Review, by) -> Review:
    with transaction.atomic():
        review.status = Review.Status.APPROVED
        review.rejection_reason = ""
        review.moderated_by, review.moderated_at = by, timezone.now()
        review.save(update_fields=["status", "rejection_reason", "moderated_by", "moderated_at"])
        _changed(review.product_id)
    return review


def reject(review: Review, by, reason: str) -> Review:
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("say why the review is rejected")
    if len(reason) > REASON_MAX:
        raise ReviewError(f"the reason is longer than {REASON_MAX} characters")
    with transaction.atomic():
        was_public = review.status == Review.Status.APPROVED
        review.status = Review.Status.REJECTED
        review.rejection_reason = reason
        review.moderated_by, review.moderated_at = by, timezone.now()
        review.save(update_fields=["status", "rejection_reason", "moderated_by", "moderated_at"])
        if was_public:
            _changed(review.product_id)
    return review


def reply(review: Review, by, text: str) -> Review:
    """The shop's public reply under a review (an empty text removes it)."""
    review.reply = (text or "").strip()
    review.replied_by = by if review.reply else None
    review.replied_at = timezone.now() if review.reply else None
    review.save(update_fields=["reply", "replied_by", "replied_at"])
    if review.status == Review.Status.APPROVED:
        caching.product_changed(review.product_id)
    return review


def vote_helpful(review: Review, user) -> Review:
    """Count the customer's "helpful" once; never on their own review."""
    if review.user_id == user.pk:
        raise OwnReview("you cannot vote for your own review")
    if review.status != Review.Status.APPROVED:
        raise ReviewError("this review is not published")
    try:
        with transaction.atomic():
            ReviewVote.objects.create(review=review, user=user)
            Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") + 1)
    except IntegrityError:
        raise AlreadyVoted("you have already marked this review helpful") from None
    review.refresh_from_db(fields=["helpful_count"])
    caching.product_changed(review.product_id)
    return review


def published(product_id: int, sort: str = DEFAULT_SORT):
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    return (
        Review.objects.filter(product_id=product_id, status=Review.Status.APPROVED)
        .select_related("user")
        .order_by(*order)
    )


def pending():
    """The moderation queue, oldest first."""
    return (
        Review.objects.filter(status=Review.Status.PENDING)
        .select_related("user", "product")
        .order_by("updated_at", "pk")
    )
