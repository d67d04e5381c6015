"""Customers' "for you" lists from Duken's ranker (``algorithms.ranker.DukenRanker``), with
the reason behind each item found in the stored neighbour lists.

The ranker learns its blend from the whole purchase history; on the demo data the full retrain
with it takes about a minute on two cores. It is the default (``RECOMMENDATIONS_RANKER``,
``duken recs train --no-ranker``); the neighbour scorer (``personal``) ranks the lists when it
is off, when the ranker cannot be trained, and after each order between retrains.
Both produce the same stored shape, so the pages do not know which one ranked a list.
"""

import logging
from collections import defaultdict

import numpy as np
import pandas as pd

from . import personal

logger = logging.getLogger(__name__)

BATCH = 256


def _explain(item, bought_orders, neighbours):
    """(reason code, reason product) for one ranked item: a regular or earlier purchase, the
    customer's product it is most often bought or viewed with, else "picked for you"."""
    orders = bought_orders.get(item, 0)
    if orders >= personal.MIN_REPEAT_ORDERS:
        return personal.REPEAT, None
    if orders:
        return personal.AGAIN, None
    best, because, kind = 0.0, None, personal.LEARNED
    for product_id in bought_orders:
        by_purchase, by_view = neighbours(product_id)
        for lists, code_for in ((by_purchase, personal.BOUGHT), (by_view, personal.VIEWED)):
            for other, similarity in lists:
                if other == item and similarity > best:
                    best, because, kind = similarity, product_id, code_for
    return kind, because


def ranked_lists(
    buys: pd.DataFrame, neighbours, exclude_for, names=None, k=personal.LIST_LENGTH
) -> dict:
    """``{user_id: [(product_id, score, reason_code, reason_product_id)]}`` for every customer
    with purchases; ``exclude_for(user_id)`` names products never to offer them; ``names``
    (product id to name) lets the ranker match products by name."""
    from .algorithms.ranker import DukenRanker

    customers = buys[buys["user"] > 0]
    if customers.empty:
        return {}
    # The shop's lists may offer items bought before, so only the "all" blend is learned.
    model = DukenRanker(learn=("all",)).fit(
        customers[["user", "item", "timestamp", "quantity", "country"]], names=names
    )
    orders = customers.groupby(["user", "item"])["order"].nunique()
    bought: dict[int, dict[int, int]] = defaultdict(dict)
    for (user, item), count in orders.items():
        bought[int(user)][int(item)] = int(count)
    items = np.asarray(model.item_index)
    result = {}
    positions = np.arange(len(model.user_index))
    for start in range(0, len(positions), BATCH):
        batch = positions[start : start + BATCH]
        scores = model.score_users(batch)
        for row, position in enumerate(batch):
            user = int(model.user_index[position])
            excluded = exclude_for(user)
            history = bought.get(user, {})
            ranked = []
            for column in np.argsort(-scores[row], kind="stable"):
                item = int(items[column])
                if item in excluded:
                    continue
                ranked.append((item, float(scores[row, column])))
                if len(ranked) >= k:
                    break
            result[user] = [
                (item, round(score, 6), *_explain(item, history, neighbours))
                for item, score in ranked
            ]
    return result
