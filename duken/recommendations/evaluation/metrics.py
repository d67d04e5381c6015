"""Ranking metrics with binary relevance."""

import numpy as np


def recall_at_k(recommended, target, k):
    """Hits in the first ``k`` recommendations / min(k, |target|)."""
    target = set(target)
    if not target:
        raise ValueError("recall is undefined for an empty target")
    hits = len(set(list(recommended)[:k]) & target)
    return hits / min(k, len(target))


def ndcg_at_k(recommended, target, k):
    """DCG of the first ``k`` recommendations (gain 1 per hit, 1/log2(rank + 1)) over the DCG of
    a perfect list of min(k, |target|) hits."""
    target = set(target)
    if not target:
        raise ValueError("NDCG is undefined for an empty target")
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    gains = np.array([item in target for item in list(recommended)[:k]], dtype=float)
    ideal = discounts[: min(k, len(target))].sum()
    return float((gains * discounts[: len(gains)]).sum() / ideal)


def coverage_at_k(recommendation_lists, n_items, k):
    """Share of the catalog's ``n_items`` that appear in at least one top-``k`` list."""
    if n_items <= 0:
        raise ValueError("coverage needs a non-empty catalog")
    shown = set()
    for recommended in recommendation_lists:
        shown.update(list(recommended)[:k])
    return len(shown) / n_items
