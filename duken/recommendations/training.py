"""Full retrain: reads the order history and the interaction log, computes every product's
neighbour lists, every customer's "for you" list and the popular lists, and replaces the
stored ones in one transaction.

Co-purchase and co-view similarity are Amazon's item-to-item cosine over customers (a customer
counts once per product however often they bought it); the similar-products list comes from
the catalog itself (``content``). On the demo history (13.5k orders, 226k lines) the neighbour
lists take seconds; the customers' lists from Duken's ranker (``ranking``) about a minute.
"""

import logging
import time
from collections import defaultdict
from datetime import timedelta

import numpy as np
import pandas as pd
import scipy.sparse as sp
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from duken.catalog.models import Product
from duken.interactions.models import Event, Kind
from duken.orders.models import OrderLine, OrderStatus
from duken.recommendations.algorithms.itemknn import item_similarities

from . import content, personal, ranking
from .cache import bump_version
from .models import CustomerRecommendations, PopularList, ProductNeighbours, TrainingRun
from .privacy import excluded_products, forgotten_by_customer

logger = logging.getLogger(__name__)

NEIGHBOURS = 30  # neighbours kept per product and list
SHRINK = 2.0  # damps similarities that rest on one or two shared customers
POPULAR_LENGTH = 24
MIN_POPULAR = 5  # a country or window with fewer sold products has no list of its own
POPULAR_WINDOWS = (7, 30, 90, 365)  # days; the shortest window with enough products wins
EXCLUDED_STATUSES = (OrderStatus.CANCELLED,)


def purchases() -> pd.DataFrame:
    """One row per order line: ``user`` (the customer, or ``-order id`` for a guest), item,
    timestamp, quantity, country, order."""
    rows = (
        OrderLine.objects.filter(product__isnull=False)
        .exclude(order__status__in=EXCLUDED_STATUSES)
        .values_list(
            "order__user_id",
            "order_id",
            "product_id",
            "quantity",
            "order__placed_at",
            "order__ship_country",
        )
    )
    frame = pd.DataFrame.from_records(
        list(rows.iterator(chunk_size=20000)),
        columns=["user_id", "order", "item", "quantity", "timestamp", "country"],
    )
    if frame.empty:
        frame["user"] = pd.Series(dtype="int64")
        return frame
    user = frame["user_id"]
    frame["user"] = np.where(user.isna(), -frame["order"], user.fillna(0)).astype("int64")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["country"] = frame["country"].fillna("")
    return frame


def views() -> pd.DataFrame:
    """Product views: ``viewer`` (``u<id>`` or the visitor id), user_id, item, timestamp."""
    product_type = ContentType.objects.get_for_model(Product)
    rows = Event.objects.filter(
        kind=Kind.PRODUCT_VIEW, content_type=product_type, object_id__isnull=False
    ).values_list("user_id", "visitor_id", "object_id", "occurred_at")
    frame = pd.DataFrame.from_records(
        list(rows.iterator(chunk_size=20000)),
        columns=["user_id", "visitor_id", "item", "timestamp"],
    )
    if frame.empty:
        frame["viewer"] = pd.Series(dtype="object")
        return frame
    frame["viewer"] = np.where(
        frame["user_id"].isna(),
        "v" + frame["visitor_id"].astype(str),
        "u" + frame["user_id"].astype(str),
    )
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return frame


def neighbour_lists(frame: pd.DataFrame, who: str, n: int = NEIGHBOURS) -> dict[int, list]:
    """Item-to-item cosine over the distinct (who, item) pairs of ``frame``."""
    if frame.empty:
        return {}
    pairs = frame[[who, "item"]].drop_duplicates()
    rows, _ = pd.factorize(pairs[who])
    cols, items = pd.factorize(pairs["item"])
    matrix = sp.csr_matrix(
        (np.ones(len(pairs), dtype=np.float32), (rows, cols)),
        shape=(rows.max() + 1, len(items)),
    )
    similarity = item_similarities(matrix, n_neighbours=n, shrink=SHRINK)
    return content.rows_to_lists(similarity, [int(item) for item in items])


def popular_lists(frame: pd.DataFrame, now) -> list[PopularList]:
    """Best sellers (by distinct customers) overall and per country, each over the shortest
    recent window that has enough products (the whole history otherwise)."""
    if frame.empty:
        return []
    lists = []

    def best(subset):
        for days in POPULAR_WINDOWS:
            recent = subset[subset["timestamp"] >= now - timedelta(days=days)]
            ranked = recent.groupby("item")["user"].nunique()
            if len(ranked) >= MIN_POPULAR:
                return ranked, days == 7
        return subset.groupby("item")["user"].nunique(), False

    def top(ranked):
        ranked = ranked.sort_values(ascending=False, kind="stable")[:POPULAR_LENGTH]
        return [int(item) for item in ranked.index]

    ranked, weekly = best(frame)
    lists.append(PopularList(key="all", items=top(ranked), is_weekly=weekly))
    for country, subset in frame.groupby("country"):
        if country and subset["item"].nunique() >= MIN_POPULAR:
            ranked, weekly = best(subset)
            lists.append(
                PopularList(key=f"country:{country}"[:120], items=top(ranked), is_weekly=weekly)
            )
    return lists


def customer_histories(buys: pd.DataFrame, seen: pd.DataFrame) -> dict[int, list]:
    """Per customer: what they bought (distinct orders per product) and viewed, aged from
    their own latest activity, forgotten products left out."""
    histories: dict[int, list] = defaultdict(list)
    latest: dict[int, pd.Timestamp] = {}
    customers = buys[buys["user"] > 0]
    viewers = seen.dropna(subset=["user_id"]) if not seen.empty else seen
    for frame, key in ((customers, "user"), (viewers, "user_id")):
        if frame.empty:
            continue
        for user, stamp in frame.groupby(key)["timestamp"].max().items():
            user = int(user)
            latest[user] = max(latest.get(user, stamp), stamp)
    if not customers.empty:
        grouped = customers.groupby(["user", "item"]).agg(
            last=("timestamp", "max"), orders=("order", "nunique")
        )
        for (user, item), last, orders in zip(
            grouped.index, grouped["last"], grouped["orders"], strict=True
        ):
            age = (latest[int(user)] - last).total_seconds() / 86400
            histories[int(user)].append(
                personal.HistoryItem(int(item), personal.BOUGHT, age, int(orders))
            )
    if not viewers.empty:
        grouped = viewers.groupby(["user_id", "item"])["timestamp"].max()
        for (user, item), stamp in grouped.items():
            age = (latest[int(user)] - stamp).total_seconds() / 86400
            histories[int(user)].append(personal.HistoryItem(int(item), personal.VIEWED, age))
    return histories


def stored_items(items, names) -> list:
    """Scored items as stored: the reason product's name is kept so a page needs no query."""
    return [
        [pk, score, code, because, names.get(because, "") if because else ""]
        for pk, score, code, because in items
    ]


RETRAIN_QUEUED_KEY = "recommendations:retrain-queued"


def retrain_due(now=None) -> bool:
    """Whether the last full retrain is older than ``DUKEN_RECS_RETRAIN_HOURS`` (never, if 0)."""
    hours = getattr(settings, "DUKEN_RECS_RETRAIN_HOURS", 24)
    if not hours:
        return False
    last = (
        TrainingRun.objects.filter(kind=TrainingRun.Kind.FULL)
        .values_list("started_at", flat=True)
        .first()
    )
    return last is None or last <= (now or timezone.now()) - timedelta(hours=hours)


def queue_retrain_if_due() -> bool:
    """Queue a full retrain for the worker when one is due and none was queued in the last
    hour; the incremental updates call it, so a shop retrains on its own without cron."""
    if not retrain_due() or not cache.add(RETRAIN_QUEUED_KEY, True, 3600):
        return False
    from .tasks import train_recommendations

    transaction.on_commit(lambda: train_recommendations.enqueue(), robust=True)
    logger.info("full retrain queued: the last one is older than the retrain interval")
    return True


def train(*, ranker: bool | None = None) -> TrainingRun:
    """Retrain everything from the stored history; safe to run twice (it replaces). With
    ``ranker`` (default: the ``RECOMMENDATIONS_RANKER`` setting, on unless set off)
    customers' lists come from Duken's ranker, otherwise from the neighbour scorer."""
    started, clock = timezone.now(), time.perf_counter()
    buys = purchases()
    seen = views()
    products = list(Product.objects.values_list("pk", "name", "primary_category_id"))

    bought = neighbour_lists(buys, "user")
    viewed = neighbour_lists(seen, "viewer")
    similar = content.similar_lists(products)

    def neighbours(product_id):
        return bought.get(product_id, ()), viewed.get(product_id, ())

    names = {pk: name for pk, name, _category in products}
    forgotten = forgotten_by_customer()
    excluded: dict[int, set[int]] = {}

    def exclude_for(user):
        if user not in excluded:
            excluded[user] = excluded_products(forgotten[user]) if user in forgotten else set()
        return excluded[user]

    ranked = {}
    if ranker if ranker is not None else getattr(settings, "RECOMMENDATIONS_RANKER", True):
        try:
            ranked = ranking.ranked_lists(buys, neighbours, exclude_for, names)
        except Exception:
            # The neighbour scorer below still gives every customer a list.
            logger.exception("the ranker could not be trained; lists come from neighbours")
    for_you = []
    for user, history in customer_histories(buys, seen).items():
        items = ranked.get(user) or personal.score_customer(
            history, neighbours, exclude=exclude_for(user)
        )
        if items:
            for_you.append(CustomerRecommendations(user_id=user, items=stored_items(items, names)))
    popular = popular_lists(buys, timezone.now())

    rows = [
        ProductNeighbours(
            product_id=pk,
            bought=bought.get(pk, []),
            viewed=viewed.get(pk, []),
            similar=similar.get(pk, []),
        )
        for pk, _name, _category in products
        if pk in bought or pk in viewed or pk in similar
    ]
    with transaction.atomic():
        ProductNeighbours.objects.all().delete()
        ProductNeighbours.objects.bulk_create(rows, batch_size=500)
        CustomerRecommendations.objects.all().delete()
        CustomerRecommendations.objects.bulk_create(for_you, batch_size=500)
        PopularList.objects.all().delete()
        PopularList.objects.bulk_create(popular, batch_size=500)
        run = TrainingRun.objects.create(
            kind=TrainingRun.Kind.FULL,
            started_at=started,
            seconds=round(time.perf_counter() - clock, 3),
            products=len(rows),
            customers=len(for_you),
            note=f"{len(buys)} order lines, {len(seen)} product views"
            + (f", {len(ranked)} lists by the ranker" if ranked else ""),
        )
        transaction.on_commit(bump_version)
    logger.info(
        "recommendations trained in %.1f s: %d products, %d customers",
        run.seconds,
        run.products,
        run.customers,
    )
    return run
