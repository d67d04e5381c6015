"""What customers are asking for: one ranked list across searches that found nothing, product
requests, back-in-stock requests and wishlists, over a date range."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from duken.catalog.models import SearchQuery

from .models import BackInStockRequest, ProductRequest, WishlistItem

DEFAULT_DAYS = 30
PER_SOURCE = 500

KINDS = {
    "search": _("Search that found nothing"),
    "request": _("Product request"),
    "back_in_stock": _("Back-in-stock request"),
    "wishlist": _("Wishlist"),
}


@dataclass(frozen=True)
class Need:
    kind: str
    label: str
    count: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    url: str = ""
    waiting: int | None = None  # back-in-stock requests not yet answered

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    return today - dt.timedelta(days=DEFAULT_DAYS - 1), today


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    begin = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return begin, finish


def zero_result_searches(start: dt.date, end: dt.date):
    """Searches that found nothing, grouped by their normalized words, most frequent first."""
    begin, finish = _bounds(start, end)
    return (
        SearchQuery.objects.filter(result_count=0, created_at__gte=begin, created_at__lt=finish)
        .exclude(normalized="")
        .values("normalized")
        .annotate(count=Count("pk"), first_seen=Min("created_at"), last_seen=Max("created_at"))
        .order_by("-count", "-last_seen", "normalized")
    )


def _search_needs(begin, finish, start, end):
    for row in zero_result_searches(start, end)[:PER_SOURCE]:
        yield Need(
            "search",
            row["normalized"],
            row["count"],
            row["first_seen"],
            row["last_seen"],
            reverse("storefront:search") + "?" + urlencode({"q": row["normalized"]}),
        )


def _request_needs(begin, finish, start, end):
    rows = (
        ProductRequest.objects.filter(created_at__gte=begin, created_at__lt=finish)
        .values("normalized")
        .annotate(
            count=Count("pk"),
            first_seen=Min("created_at"),
            last_seen=Max("created_at"),
            text=Max("text"),
        )
        .order_by("-count", "-last_seen")[:PER_SOURCE]
    )
    changelist = reverse("admin:needs_productrequest_changelist")
    for row in rows:
        yield Need(
            "request",
            row["text"],
            row["count"],
            row["first_seen"],
            row["last_seen"],
            changelist + "?" + urlencode({"normalized__exact": row["normalized"]}),
        )


def _product_needs(model, kind, date_field, begin, finish, waiting=False):
    filters = {f"{date_field}__gte": begin, f"{date_field}__lt": finish}
    annotations = {
        "count": Count("pk"),
        "first_seen": Min(date_field),
        "last_seen": Max(date_field),
    }
    if waiting:
        annotations["waiting"] = Count("pk", filter=Q(notified_at__isnull=True))
    rows = (
        model.objects.filter(**filters)
        .values("product_id", "product__name")
        .annotate(**annotations)
        .order_by("-count", "-last_seen")[:PER_SOURCE]
    )
    for row in rows:
        yield Need(
            kind,
            row["product__name"],
            row["count"],
            row["first_seen"],
            row["last_seen"],
            reverse("admin:catalog_product_change", args=[row["product_id"]]),
            row.get("waiting"),
        )


def ranked(start: dt.date, end: dt.date, kind: str = "") -> list[Need]:
    """Every need in the date range, the most asked for first (then the most recent)."""
    begin, finish = _bounds(start, end)
    needs: list[Need] = []
    if kind in ("", "search"):
        needs += _search_needs(begin, finish, start, end)
    if kind in ("", "request"):
        needs += _request_needs(begin, finish, start, end)
    if kind in ("", "back_in_stock"):
        needs += _product_needs(
            BackInStockRequest, "back_in_stock", "created_at", begin, finish, waiting=True
        )
    if kind in ("", "wishlist"):
        needs += _product_needs(WishlistItem, "wishlist", "added_at", begin, finish)
    needs.sort(key=lambda n: (-n.count, -n.last_seen.timestamp(), n.label))
    return needs
