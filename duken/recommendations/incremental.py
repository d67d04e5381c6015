"""Incremental updates between full retrains, so a new order counts within minutes: the
co-purchase lists of the order's products (and, symmetrically, of their neighbours), the
customer's "for you" list, and the similar-products list of a product just added."""

import math
import time
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from duken.catalog.models import Product
from duken.orders.models import Order, OrderLine

from . import cache as keys
from . import content, fragments, personal
from .models import CustomerRecommendations, ProductNeighbours, TrainingRun
from .privacy import excluded_products, forgotten_for
from .training import EXCLUDED_STATUSES, NEIGHBOURS, SHRINK, stored_items

CANDIDATES = 200  # co-bought products whose customer counts are looked up per product


def _lines():
    return OrderLine.objects.filter(product__isnull=False).exclude(
        order__status__in=EXCLUDED_STATUSES
    )


def _buyers(product_id) -> tuple[set[int], set[int]]:
    """Customers (ids) and guest orders (ids) that bought the product."""
    users, guest_orders = set(), set()
    for user_id, order_id in (
        _lines().filter(product_id=product_id).values_list("order__user_id", "order_id")
    ):
        if user_id is None:
            guest_orders.add(order_id)
        else:
            users.add(user_id)
    return users, guest_orders


def co_purchase_list(product_id: int) -> list:
    """The product's co-purchase neighbours, computed from the order history with the same
    cosine the full retrain uses (distinct customers; a guest order is its own customer)."""
    users, guest_orders = _buyers(product_id)
    own = len(users) + len(guest_orders)
    if not own:
        return []
    together: dict[int, set] = defaultdict(set)
    rows = _lines().filter(Q(order__user_id__in=users) | Q(order_id__in=guest_orders))
    for user_id, order_id, other in rows.values_list("order__user_id", "order_id", "product_id"):
        if other != product_id:
            together[other].add(user_id if user_id is not None else -order_id)
    top = sorted(together, key=lambda pk: -len(together[pk]))[:CANDIDATES]
    counts = dict(
        _lines()
        .filter(product_id__in=top)
        .values("product_id")
        .annotate(users=Count("order__user", distinct=True))
        .values_list("product_id", "users")
    )
    guests = dict(
        _lines()
        .filter(product_id__in=top, order__user__isnull=True)
        .values("product_id")
        .annotate(n=Count("order", distinct=True))
        .values_list("product_id", "n")
    )
    scored = []
    for other in top:
        total = counts.get(other, 0) + guests.get(other, 0)
        score = len(together[other]) / (math.sqrt(own) * math.sqrt(max(total, 1)) + SHRINK)
        scored.append([other, round(score, 5)])
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:NEIGHBOURS]


def _forget_cached(product_ids) -> None:
    keys.forget_products(product_ids)
    fragments.forget_product_widgets(product_ids)


def _merge(pairs: list, product_id: int, score: float) -> list:
    pairs = [pair for pair in pairs if pair[0] != product_id] + [[product_id, score]]
    pairs.sort(key=lambda pair: (-pair[1], pair[0]))
    return pairs[:NEIGHBOURS]


def update_products(product_ids) -> set[int]:
    """Recompute the co-purchase lists of ``product_ids`` and put each of them into its
    neighbours' lists; returns every product whose lists changed."""
    changed = set()
    fresh = {pk: co_purchase_list(pk) for pk in product_ids}
    with transaction.atomic():
        touched = set(fresh) | {other for pairs in fresh.values() for other, _s in pairs}
        rows = {row.pk: row for row in ProductNeighbours.objects.filter(product_id__in=touched)}
        existing = set(Product.objects.filter(pk__in=touched).values_list("pk", flat=True))
        for pk, pairs in fresh.items():
            if pk not in existing:
                continue
            row = rows.get(pk) or ProductNeighbours(product_id=pk)
            row.bought = pairs
            rows[pk] = row
            changed.add(pk)
            for other, score in pairs:
                if other in fresh or other not in existing:
                    continue
                neighbour = rows.get(other) or ProductNeighbours(product_id=other)
                neighbour.bought = _merge(list(neighbour.bought or []), pk, score)
                rows[other] = neighbour
                changed.add(other)
        for pk in changed:
            rows[pk].save()
        transaction.on_commit(lambda: _forget_cached(changed))
    return changed


def customer_history(user) -> list[personal.HistoryItem]:
    """The customer's purchases and product views, aged from their latest activity."""
    from django.contrib.contenttypes.models import ContentType

    from duken.interactions.models import Event, Kind

    bought: dict[int, list] = {}
    for product_id, order_id, placed in (
        _lines().filter(order__user=user).values_list("product_id", "order_id", "order__placed_at")
    ):
        orders, last = bought.get(product_id, (set(), placed))
        orders.add(order_id)
        bought[product_id] = (orders, max(last, placed))
    viewed: dict[int, object] = {}
    product_type = ContentType.objects.get_for_model(Product)
    for product_id, occurred in Event.objects.filter(
        user=user, kind=Kind.PRODUCT_VIEW, content_type=product_type
    ).values_list("object_id", "occurred_at")[:2000]:
        viewed[product_id] = max(viewed.get(product_id, occurred), occurred)
    stamps = [last for _orders, last in bought.values()] + list(viewed.values())
    if not stamps:
        return []
    latest = max(stamps)
    history = [
        personal.HistoryItem(pk, personal.BOUGHT, (latest - last).total_seconds() / 86400, len(o))
        for pk, (o, last) in bought.items()
    ]
    history += [
        personal.HistoryItem(int(pk), personal.VIEWED, (latest - when).total_seconds() / 86400)
        for pk, when in viewed.items()
    ]
    return history


def update_customer(user) -> list:
    """Re-rank one customer's "for you" list from their history and the stored neighbours."""
    history = customer_history(user)
    forgotten = excluded_products(forgotten_for(user))
    rows = {
        row["product_id"]: row
        for row in ProductNeighbours.objects.filter(
            product_id__in={item.product_id for item in history}
        ).values("product_id", "bought", "viewed")
    }

    def neighbours(product_id):
        row = rows.get(product_id) or {}
        return row.get("bought") or (), row.get("viewed") or ()

    items = personal.score_customer(history, neighbours, exclude=forgotten)
    wanted = {because for _pk, _s, _code, because in items if because}
    names = dict(Product.objects.filter(pk__in=wanted).values_list("pk", "name"))
    stored = stored_items(items, names)
    if stored:
        CustomerRecommendations.objects.update_or_create(user=user, defaults={"items": stored})
    else:
        CustomerRecommendations.objects.filter(user=user).delete()
    transaction.on_commit(lambda: fragments.bump_user_version(user.pk))
    return stored


def after_order(order_id: int) -> TrainingRun | None:
    """Count a new order: its products' co-purchase lists and its customer's list."""
    order = Order.objects.filter(pk=order_id).select_related("user").first()
    if order is None:
        return None
    started, clock = timezone.now(), time.perf_counter()
    product_ids = set(
        order.lines.filter(product__isnull=False).values_list("product_id", flat=True)
    )
    changed = update_products(product_ids)
    customers = 0
    if order.user is not None:
        update_customer(order.user)
        customers = 1
    return TrainingRun.objects.create(
        kind=TrainingRun.Kind.ORDER,
        started_at=started,
        seconds=round(time.perf_counter() - clock, 3),
        products=len(changed),
        customers=customers,
        note=order.number,
    )


def add_product(product_id: int) -> TrainingRun | None:
    """Give a new product its similar-products list (same category, similar name) and put it
    into the lists of the products it resembles, before it has any history."""
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        return None
    started, clock = timezone.now(), time.perf_counter()
    others = list(
        Product.objects.filter(is_active=True)
        .exclude(pk=product_id)
        .filter(primary_category_id=product.primary_category_id)
        .values_list("pk", "name", "primary_category_id")[:5000]
    )
    similar = content.similar_to_one(product.name, product.primary_category_id, others)
    changed = {product_id}
    with transaction.atomic():
        row, _created = ProductNeighbours.objects.get_or_create(product_id=product_id)
        row.similar = similar
        row.save()
        neighbours = {
            r.pk: r
            for r in ProductNeighbours.objects.filter(product_id__in=[pk for pk, _s in similar])
        }
        for pk, score in similar:
            neighbour = neighbours.get(pk) or ProductNeighbours(product_id=pk)
            pairs = list(neighbour.similar or [])
            if len(pairs) < content.NEIGHBOURS or score > pairs[-1][1]:
                neighbour.similar = _merge(pairs, product_id, score)[: content.NEIGHBOURS]
                neighbour.save()
                changed.add(pk)
        transaction.on_commit(lambda: _forget_cached(changed))
    return TrainingRun.objects.create(
        kind=TrainingRun.Kind.PRODUCT,
        started_at=started,
        seconds=round(time.perf_counter() - clock, 3),
        products=len(changed),
        note=product.sku,
    )
