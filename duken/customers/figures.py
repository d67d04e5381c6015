"""The customer's key figures from their orders, for the timeline page and the staff search.

"Spent" counts the orders whose money the shop received and kept: paid (``paid_at`` set) and
not cancelled, returned or refunded, in the shop's currency. The order count counts every order
the customer placed, whatever became of it."""

from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from duken.core.money import default_currency, quantize
from duken.orders.models import Order, OrderLine, OrderStatus

SPENT_HELP = _(
    "Spent counts paid orders that were not cancelled, returned or refunded; the order count "
    "counts every order placed."
)
NOT_KEPT = (OrderStatus.CANCELLED, OrderStatus.RETURNED, OrderStatus.REFUNDED)


def kept_orders_q(prefix: str = "") -> Q:
    """Orders whose money the shop received and kept (``prefix`` for a related lookup)."""
    return Q(**{f"{prefix}paid_at__isnull": False, f"{prefix}currency": default_currency()}) & ~Q(
        **{f"{prefix}status__in": NOT_KEPT}
    )


def _stats_row(orders=0, kept=0, spent=None, last=None) -> dict:
    spent = quantize(spent or Decimal(0))
    return {
        "orders": orders,
        "kept_orders": kept,
        "spent": spent,
        "last_order": last,
        "average_order": quantize(spent / kept) if kept else None,
    }


def _aggregates():
    kept = kept_orders_q()
    return {
        "orders": Count("pk"),
        "kept": Count("pk", filter=kept),
        "spent": Sum("total", filter=kept),
        "last": Max("placed_at"),
    }


def order_stats(user) -> dict:
    """Orders, kept orders, spent, last order and average order value, in one query (kept on
    the user object for the other figures of the same page)."""
    cached = getattr(user, "_timeline_order_stats", None)
    if cached is not None:
        return cached
    row = Order.objects.filter(user_id=user.pk).aggregate(**_aggregates())
    stats = _stats_row(**row)
    user._timeline_order_stats = stats
    return stats


def order_stats_for(user_ids) -> dict[int, dict]:
    """The same figures for many customers at once (one grouped query), e.g. a results page."""
    user_ids = list(user_ids)
    stats = {pk: _stats_row() for pk in user_ids}
    rows = (
        Order.objects.filter(user_id__in=user_ids)
        .values("user_id")
        .annotate(**_aggregates())
        .order_by()
    )
    for row in rows:
        user_id = row.pop("user_id")
        stats[user_id] = _stats_row(**row)
    return stats


# ``filter(user) -> Q | None``: order lines that no longer count for the customer's figures
# (privacy registers the lines of what they asked us to forget).
_line_filters = []


def register_line_filter(lines_filter) -> None:
    if lines_filter not in _line_filters:
        _line_filters.append(lines_filter)


def favourite_categories(user, count: int = 3) -> list[str]:
    """The categories the customer bought from in the most orders (kept orders only), best
    first; units bought break ties. Order lines of what the customer asked us to forget count
    no more (the orders themselves stay on the timeline: they are the shop's records), as on
    their own memory page."""
    lines = OrderLine.objects.filter(kept_orders_q("order__"), order__user_id=user.pk)
    for hidden_lines in _line_filters:
        covered = hidden_lines(user)
        if covered is not None:
            lines = lines.exclude(covered)
    rows = (
        lines.exclude(product__primary_category__isnull=True)
        .values(
            "product__primary_category_id",
            "product__primary_category__name",
            "product__primary_category__name_ru",
            "product__primary_category__name_kk",
        )
        .annotate(orders=Count("order_id", distinct=True), units=Sum("quantity"))
        .order_by("-orders", "-units", "product__primary_category__name")[:count]
    )
    lang = (get_language() or "en")[:2]
    names = []
    for row in rows:
        localized = row.get(f"product__primary_category__name_{lang}") if lang != "en" else ""
        names.append(localized or row["product__primary_category__name"])
    return names


def register():
    from .timeline import register_figure

    register_figure("orders", _("Orders"), lambda user: order_stats(user)["orders"])
    register_figure(
        "total_spent", _("Spent"), lambda user: order_stats(user)["spent"], help_text=SPENT_HELP
    )
    register_figure("last_order", _("Last order"), lambda user: order_stats(user)["last_order"])
    register_figure(
        "average_order",
        _("Average order"),
        lambda user: order_stats(user)["average_order"],
        help_text=SPENT_HELP,
    )
    register_figure("favourite_categories", _("Favourite categories"), favourite_categories)
