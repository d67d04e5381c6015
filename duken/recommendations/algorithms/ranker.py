"""Duken's ranker: a learned blend of what predicts a customer's next purchases.

Design (details and measured figures in docs/recommendations.md):

* Candidate signals per (customer, item), all computed from purchases before a cutoff
  (``features.py``): the customer's own repeat purchases (count, short and long recency decays,
  weighted by how often the customer orders), co-purchase neighbours (EASE, RP3beta and item-kNN
  of the recent baskets), a learned latent-factor model (ALS), recent and trending popularity,
  popularity in the customer's country, and the season a year before.
* The blend is learned, not hand-set: ``fit`` holds out the last weeks of the data it is
  given, computes the signals at that inner cutoff, and fits a logistic regression that
  predicts which items each customer buys in the held-out weeks. Two blends are learned: one
  for every item ("all") and one for items the customer has never bought ("discovery"), since
  the best way to find new items differs from the best way to predict reorders.
* The component models are then refitted on all the data and the learned weights applied.
"""

from collections.abc import Hashable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import minimize

from .base import top_k
from .features import FEATURE_NAMES, FEATURES, FeatureBuilder, FeatureSettings

REQUIRED_COLUMNS = ("user", "item", "timestamp", "quantity", "country")
# Signals whose best items make up the candidates the blend ranks.
CANDIDATE_SIGNALS = [
    FEATURE_NAMES.index(name)
    for name in ("repeat_long", "ease", "rp3beta", "basket_neighbours", "als", "popular_country")
]


class DukenRanker:
    """``fit(interactions)`` then ``recommend(user, k, exclude)``.

    ``interactions``: one row per purchase line with columns ``user``, ``item``,
    ``timestamp``, ``quantity`` and ``country``; ids may be any hashable values.
    """

    def __init__(self, validation_days=56, candidates_per_signal=60, batch_size=256, settings=None):
        self.validation_days = validation_days
        self.candidates_per_signal = candidates_per_signal
        self.batch_size = batch_size
        self.settings = settings or FeatureSettings()

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, interactions: pd.DataFrame, now=None):
        missing = [c for c in REQUIRED_COLUMNS if c not in interactions.columns]
        if missing:
            raise ValueError(f"interactions lack the columns: {', '.join(missing)}")
        rows = interactions[interactions["quantity"] > 0]
        if rows.empty:
            raise ValueError("no purchases to learn from")
        self.user_index = pd.Index(rows["user"].unique())
        self.item_index = pd.Index(rows["item"].unique())
        purchases = pd.DataFrame(
            {
                "u": self.user_index.get_indexer(rows["user"]),
                "i": self.item_index.get_indexer(rows["item"]),
                "timestamp": pd.to_datetime(rows["timestamp"]).to_numpy(),
                "country": rows["country"].astype(str).to_numpy(),
            }
        )
        end = purchases["timestamp"].max().floor("D") + pd.Timedelta(days=1)
        self.now = pd.Timestamp(now) if now is not None else end
        inner_cutoff = self.now - pd.Timedelta(days=self.validation_days)
        self.weights = {"all": None, "discovery": None}
        if (purchases["timestamp"] < inner_cutoff).any():
            inner = FeatureBuilder(
                purchases, len(self.user_index), len(self.item_index), inner_cutoff, self.settings
            )
            held_out = purchases[purchases["timestamp"] >= inner_cutoff]
            self.weights = self._learn_blends(inner, held_out)
        for variant, weights in self.weights.items():
            if weights is None:
                self.weights[variant] = _default_weights(variant)
        self.builder = FeatureBuilder(
            purchases, len(self.user_index), len(self.item_index), self.now, self.settings
        )
        return self

    def _learn_blends(self, builder, held_out):
        targets = held_out[["u", "i"]].drop_duplicates()
        active = np.flatnonzero(builder.user_days > 0)
        users = np.intersect1d(active, targets["u"].unique())
        if len(users) == 0:
            return {"all": None, "discovery": None}
        labels = sp.csr_matrix(
            (np.ones(len(targets)), (targets["u"].to_numpy(), targets["i"].to_numpy())),
            shape=(builder.n_users, builder.n_items),
        )
        samples = {"all": ([], []), "discovery": ([], [])}
        for start in range(0, len(users), self.batch_size):
            batch = users[start : start + self.batch_size]
            feats = builder.features(batch)
            bought = builder.bought[batch].toarray() > 0
            positives = labels[batch].toarray() > 0
            for variant in ("all", "discovery"):
                allowed = ~bought if variant == "discovery" else np.ones_like(bought)
                chosen = self._candidates(feats, allowed)
                samples[variant][0].append(feats[chosen])
                samples[variant][1].append(positives[chosen].astype(np.float64))
        weights = {}
        for variant, (xs, ys) in samples.items():
            x, y = np.concatenate(xs), np.concatenate(ys)
            weights[variant] = _logistic_regression(x, y) if 0 < y.sum() < len(y) else None
        return weights

    def _candidates(self, feats, allowed):
        """The items worth ranking for each user: the union of each signal's best
        ``candidates_per_signal`` allowed items. The blend is learned and applied on these."""
        chosen = np.zeros(feats.shape[:2], dtype=bool)
        m = min(self.candidates_per_signal, feats.shape[1])
        rows = np.arange(feats.shape[0])[:, None]
        for column in CANDIDATE_SIGNALS:
            values = np.where(allowed, feats[..., column], -np.inf)
            best = np.argpartition(-values, m - 1, axis=1)[:, :m]
            chosen[rows, best] = True
        return chosen & allowed

    # -- scoring ---------------------------------------------------------------------------
    def score_users(self, user_indices, variant="all"):
        """Blended scores (len(user_indices) x n_items) for internal user indices; in
        "discovery" the blend for items the user never bought (those still need excluding)."""
        user_indices = np.asarray(user_indices)
        feats = self.builder.features(user_indices)
        if variant == "discovery":
            allowed = self.builder.bought[user_indices].toarray() == 0
        else:
            allowed = np.ones(feats.shape[:2], dtype=bool)
        return self._blend(feats, allowed, self.weights[variant])[0]

    def _blend(self, feats, allowed, weights):
        """Scores and per-feature contributions; items outside the candidates rank below
        every candidate."""
        contributions = feats * weights
        scores = contributions.sum(axis=2, dtype=np.float64)
        candidates = self._candidates(feats, allowed)
        floor = scores.min() - 1.0 - (scores.max() - scores.min())
        return np.where(candidates, scores, floor + scores * 1e-6), contributions

    def recommend(self, user: Hashable, k=20, exclude=frozenset()):
        """The ``k`` best items for ``user`` as ``(item, score, reason)``, best first.

        Items in ``exclude`` are left out. An unknown user gets the popular items.
        """
        excluded = self.item_index.get_indexer(list(exclude)) if exclude else np.array([], int)
        excluded = excluded[excluded >= 0]
        position = self.user_index.get_indexer([user])[0]
        if position < 0:
            scores = self.builder.popular_recent.astype(np.float64).copy()
            reasons = np.full(len(scores), "popular", dtype=object)
        else:
            feats = self.builder.features([position])
            allowed = np.ones(feats.shape[:2], dtype=bool)
            allowed[0, excluded] = False
            scores, contributions = self._blend(feats, allowed, self.weights["all"])
            scores, contributions = scores[0], contributions[0]
            codes = np.array([FEATURES[name] for name in FEATURE_NAMES], dtype=object)
            reasons = codes[np.argmax(contributions, axis=1)]
        scores[excluded] = -np.inf
        best = top_k(scores[None, :], k)[0]
        return [
            (self.item_index[i], float(scores[i]), str(reasons[i]))
            for i in best
            if np.isfinite(scores[i])
        ]


def _default_weights(variant):
    """A sensible blend before (or without) learning: used to pick hard negatives."""
    weights = dict.fromkeys(FEATURE_NAMES, 0.0)
    weights.update(ease=1.0, rp3beta=0.5, basket_neighbours=0.5, als=0.5, popular_recent=0.3)
    if variant == "all":
        weights.update(repeat_count=1.0, repeat_recent=1.0)
    return np.array([weights[name] for name in FEATURE_NAMES], dtype=np.float32)


def _logistic_regression(x, y, l2=1.0):
    """L2-regularised logistic regression by L-BFGS; returns weights on raw features (the
    standardisation folded in, the intercept dropped since it does not change a ranking)."""
    x = x.astype(np.float64)
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    z = (x - mean) / std
    n, d = z.shape

    def loss(w):
        logits = z @ w[:d] + w[d]
        loss_value = np.logaddexp(0.0, logits).sum() - y @ logits + 0.5 * l2 * w[:d] @ w[:d]
        p = 1.0 / (1.0 + np.exp(-logits))
        grad = np.empty(d + 1)
        grad[:d] = z.T @ (p - y) + l2 * w[:d]
        grad[d] = (p - y).sum()
        return loss_value, grad

    result = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 300})
    return (result.x[:d] / std).astype(np.float32)
