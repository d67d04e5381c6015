"""The "for you" scorer: what one customer is shown, and why, from their own history.

One function, ``score_customer``, is the scorer; training (full and after an order) calls only
it, so putting another model behind "for you" is a change here. Each result carries a reason
code and the product that caused it, so the page can say "Because you bought ...".
"""

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Reason codes stored with each item; stored values never change once shipped.
BOUGHT = "bought"  # a neighbour of something the customer bought
VIEWED = "viewed"  # a neighbour of something the customer looked at
REPEAT = "repeat"  # the customer buys this again and again
POPULAR = "popular"  # a best seller, when the history says too little
AGAIN = "again"  # bought before (once): the ranker expects a reorder
LEARNED = "learned"  # the ranker's choice from the whole history, no single product behind it

HALF_LIFE_DAYS = 60.0  # a purchase this long before the latest one counts half
VIEW_WEIGHT = 0.3  # a view says less than a purchase
REPEAT_WEIGHT = 1.5  # how strongly a regular purchase is offered again
MIN_REPEAT_ORDERS = 2
LIST_LENGTH = 24


@dataclass(frozen=True)
class HistoryItem:
    product_id: int
    kind: str  # BOUGHT or VIEWED
    age_days: float  # before the customer's latest activity
    orders: int = 1  # distinct orders with this product (purchases only)


def recency_weight(age_days: float) -> float:
    return math.pow(0.5, max(age_days, 0.0) / HALF_LIFE_DAYS)


def score_customer(
    history: Iterable[HistoryItem],
    neighbours: Callable[[int], tuple[list, list]],
    *,
    k: int = LIST_LENGTH,
    exclude: frozenset[int] | set[int] = frozenset(),
) -> list[tuple[int, float, str, int | None]]:
    """Rank products for a customer: ``[(product_id, score, reason_code, reason_product_id)]``.

    ``neighbours(product_id)`` returns the product's co-purchase and co-view lists of
    ``[product_id, similarity]``. Products the customer bought once are not offered again;
    products bought in several orders are (a regular purchase); ``exclude`` is never offered
    (forgotten items, what is unavailable)."""
    history = [item for item in history if item.product_id not in exclude]
    bought = {item.product_id for item in history if item.kind == BOUGHT}
    scores: dict[int, float] = {}
    reasons: dict[int, tuple[float, str, int | None]] = {}

    def add(product_id, value, code, because):
        if product_id in exclude:
            return
        scores[product_id] = scores.get(product_id, 0.0) + value
        best = reasons.get(product_id)
        if best is None or value > best[0]:
            reasons[product_id] = (value, code, because)

    for item in history:
        weight = recency_weight(item.age_days)
        if item.kind == VIEWED:
            weight *= VIEW_WEIGHT
        if item.kind == BOUGHT and item.orders >= MIN_REPEAT_ORDERS:
            add(item.product_id, REPEAT_WEIGHT * weight * math.log2(item.orders), REPEAT, None)
        by_purchase, by_view = neighbours(item.product_id)
        code = BOUGHT if item.kind == BOUGHT else VIEWED
        for product_id, similarity in by_purchase:
            if product_id not in bought:
                add(product_id, weight * similarity, code, item.product_id)
        for product_id, similarity in by_view:
            if product_id not in bought:
                add(product_id, VIEW_WEIGHT * weight * similarity, code, item.product_id)
    ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:k]
    return [
        (product_id, round(score, 6), reasons[product_id][1], reasons[product_id][2])
        for product_id, score in ranked
    ]
