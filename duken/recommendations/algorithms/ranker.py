"""Duken's ranker: a learned blend of what predicts a customer's next purchases.

Design (details and measured figures in docs/recommendations.md):

* Signals per (customer, item), all computed from purchases before a cutoff (``features.py``):
  the customer's own repeat purchases (count, recency decays, quantity, and how habitual the
  customer and how reorderable the item are), co-purchase neighbours (EASE, RP3beta and
  item-kNN of the recent baskets), similar customers, a latent-factor model (ALS), recent,
  trending and still-selling popularity, popularity in the customer's country, newness, and
  the season a year before.
* Candidates: the union of each main signal's best items.
* The blend is learned, not hand-set: ``fit`` holds out the last weeks of the data it is
  given (two windows: the last eight weeks and the last four), computes the signals at each
  inner cutoff, and trains listwise scorers (``blend.py``) on both windows' lists to put first
  the items each customer bought in the held-out weeks (for "all", averaged with
  gradient-boosted trees learned on the same lists), then picks a popularity penalty on the
  same weeks so that lists keep a third of the catalog in view.
  Two blends are learned: one for every item ("all") and one for items the customer has never
  bought ("discovery"), since finding new items is not the same task as predicting reorders.
* The signals are then recomputed on all the data and the learned blends applied.
"""

from collections.abc import Hashable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .base import top_k
from .blend import POPULAR, BlendEnsemble, LinearBlend
from .features import FEATURE_NAMES, FEATURES, FeatureBuilder, FeatureSettings

REQUIRED_COLUMNS = ("user", "item", "timestamp", "quantity", "country")
# The penalties tried, in steps of 1/8 up to 2: the best is usually the smallest that keeps enough
# of the catalog in view, and a coarser grid overshoots it and loses recall for nothing.
POPULARITY_PENALTIES = (*(step / 8 for step in range(17)), 2.5, 3.0, 4.0)
# The coverage floor holds in full once the held-out lists have this many places (customers
# x k) per catalog item; with fewer it is lowered in proportion. With four, every split date
# of the shipped file keeps at least 0.32 of the catalog in the test lists; with five one of
# them came down to 0.303, and with six below 0.3 (docs/recommendations.md).
SLOTS_PER_ITEM = 4
# Signals whose best items make up the candidates the blend ranks.
CANDIDATE_SIGNALS = [
    FEATURE_NAMES.index(name)
    for name in (
        "repeat_long",
        "ease",
        "rp3beta",
        "basket_neighbours",
        "als",
        "popular_country",
        "similar_customers",
    )
]

# Signals a blend leaves out. What similar customers bought lately helps to predict what a
# customer buys next, reorders included, but it is mostly what sells now; ranking only items
# new to the customer it lowered recall (docs/recommendations.md).
LEFT_OUT = {"discovery": ("similar_customers_now",)}
# Beside trees the listwise blends need not converge as far: 200 iterations instead of 300
# ranked as well on three split dates and save a third of their time.
ITERATIONS_WITH_TREES = 200


class DukenRanker:
    """``fit(interactions)`` then ``recommend(user, k, exclude)``.

    ``interactions``: one row per purchase line with columns ``user``, ``item``,
    ``timestamp``, ``quantity`` and ``country``; ids may be any hashable values.
    ``learn``: the blends to learn ("all" is what ``recommend`` serves; "discovery" ranks only
    items a customer never bought); a blend not learned uses fixed weights.
    """

    def __init__(
        self,
        windows=((56, 56), (28, 28)),
        learn=("all", "discovery"),
        candidates_per_signal=60,
        batch_size=256,
        min_coverage=0.33,
        settings=None,
        seeds=(7, 8),
        trees=("all",),
    ):
        # Held-out windows the blends learn from: (days before the end of the data where the
        # inner cutoff lies, days held out after it).
        self.windows = tuple(windows)
        self.learn = tuple(learn)
        self.min_coverage = min_coverage
        self.candidates_per_signal = candidates_per_signal
        self.batch_size = batch_size
        self.settings = settings or FeatureSettings()
        # Each blend is the average of blends learned from these random starts.
        self.seeds = tuple(seeds)
        # Variants whose blend also averages in gradient-boosted trees. They help "all" (more
        # so on other split dates) and lower "discovery" (docs/recommendations.md).
        self.trees = tuple(trees)

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, interactions: pd.DataFrame, now=None, names=None):
        """Learn from ``interactions``; ``names`` maps items to their names (product names)
        for the similarity-by-name signal. Without it, items that are strings are their own
        names (as in the Online Retail data, where the item is the description)."""
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
                "timestamp": _naive_utc(pd.to_datetime(rows["timestamp"])).to_numpy(),
                "country": rows["country"].astype(str).to_numpy(),
                "quantity": rows["quantity"].to_numpy(dtype=np.float64),
            }
        )
        if names is not None:
            item_names = [str(names.get(item, "")) for item in self.item_index]
        elif len(self.item_index) and isinstance(self.item_index[0], str):
            item_names = [str(item) for item in self.item_index]
        else:
            item_names = None
        end = purchases["timestamp"].max().floor("D") + pd.Timedelta(days=1)
        self.now = _naive_utc(pd.Timestamp(now)) if now is not None else end
        self.blends = {"all": None, "discovery": None}
        samples = {variant: [] for variant in self.learn}
        for number, (before, length) in enumerate(self.windows):
            inner_cutoff = self.now - pd.Timedelta(days=before)
            if not (purchases["timestamp"] < inner_cutoff).any():
                continue
            inner = FeatureBuilder(
                purchases,
                len(self.user_index),
                len(self.item_index),
                inner_cutoff,
                self.settings,
                names=item_names,
            )
            held_out = purchases[
                (purchases["timestamp"] >= inner_cutoff)
                & (purchases["timestamp"] < inner_cutoff + pd.Timedelta(days=length))
            ]
            for variant, part in self._samples(inner, held_out, number).items():
                samples[variant].append(part)
        if any(samples.values()):
            self.blends.update(self._learn_blends(samples, len(self.item_index)))
        for variant, blend in self.blends.items():
            if blend is None:
                self.blends[variant] = LinearBlend(_default_weights(variant))
        self.builder = FeatureBuilder(
            purchases,
            len(self.user_index),
            len(self.item_index),
            self.now,
            self.settings,
            names=item_names,
        )
        return self

    def _samples(self, builder, held_out, window):
        """Per variant, the learning lists of one held-out window: features of each active
        customer's candidates, whether they were bought, and the customer's list id."""
        targets = held_out[["u", "i"]].drop_duplicates()
        active = np.flatnonzero(builder.user_days > 0)
        users = np.intersect1d(active, targets["u"].unique())
        if len(users) == 0:
            return {}
        labels = sp.csr_matrix(
            (np.ones(len(targets)), (targets["u"].to_numpy(), targets["i"].to_numpy())),
            shape=(builder.n_users, builder.n_items),
        )
        parts = {variant: ([], [], [], [], []) for variant in self.learn}
        for start in range(0, len(users), self.batch_size):
            batch = users[start : start + self.batch_size]
            feats = builder.features(batch)
            bought = builder.bought[batch].toarray() > 0
            positives = labels[batch].toarray() > 0
            for variant in self.learn:
                allowed = ~bought if variant == "discovery" else np.ones_like(bought)
                chosen = self._candidates(feats, allowed)
                parts[variant][0].append(feats[chosen])
                parts[variant][1].append(positives[chosen].astype(np.float64))
                rows, items = np.nonzero(chosen)
                parts[variant][2].append(rows + start)
                parts[variant][3].append(items)
                parts[variant][4].append((positives & allowed).sum(axis=1))
        out = {}
        for variant, part in parts.items():
            x, y, group, items, wanted = (np.concatenate(values) for values in part)
            out[variant] = (x, y, group, items, wanted, window)
        return out

    def _learn_blends(self, samples, n_items):
        blends = {}
        for variant, parts in samples.items():
            offset, stacked = 0, []
            for x, y, group, items, wanted, window in parts:
                stacked.append((x, y, group + offset, items, wanted, window))
                offset += len(wanted)
            x = np.concatenate([part[0] for part in stacked])
            y = np.concatenate([part[1] for part in stacked])
            group = np.concatenate([part[2] for part in stacked])
            if not y.any():
                blends[variant] = None
                continue
            columns = [
                number
                for number, name in enumerate(FEATURE_NAMES)
                if name not in LEFT_OUT.get(variant, ())
            ]
            options = {"columns": columns}
            if variant in self.trees:
                options.update(trees=True, max_iterations=ITERATIONS_WITH_TREES)
            blend = BlendEnsemble(self.seeds, **options).fit(x, y, group)
            blend.popularity_penalty = self._popularity_penalty(blend, parts, n_items)
            blends[variant] = blend
        return blends

    def _popularity_penalty(self, blend, windows, n_items, k=20):
        """How much to hold back popular items: the penalty with the best held-out recall
        among those that still show at least ``min_coverage`` of the catalog in the top ``k``
        (the coverage of each held-out window, averaged).

        A blend learned for recall alone leans on popularity and shows the same few hundred
        items to everyone; a shop wants customers to see more of its catalog. How much of it
        a set of lists can show depends on how many lists there are: a window's coverage is
        weighed against ``min_coverage`` in full only when its lists hold at least
        ``SLOTS_PER_ITEM`` places per catalog item, and in proportion below that. Otherwise
        a small shop's few customers (or an early window's) must be shown far-fetched items
        to fill the quota, at a great loss of recall (docs/recommendations.md)."""
        prepared = []
        for x, y, group, items, wanted, _window in windows:
            starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
            ends = np.r_[starts[1:], len(group)]
            listed = wanted[group[starts]]
            room = min(1.0, len(starts) * k / (SLOTS_PER_ITEM * n_items))
            prepared.append((blend.score(x), x[:, POPULAR], y, items, starts, ends, listed, room))
        best = None
        for penalty in POPULARITY_PENALTIES:
            recalls, coverages = [], []
            for base, popular, y, items, starts, ends, listed, room in prepared:
                scores = base - penalty * popular
                hits, shown = [], set()
                for start, end in zip(starts, ends, strict=True):
                    top = start + np.argsort(-scores[start:end], kind="stable")[:k]
                    shown.update(items[top].tolist())
                    hits.append(y[top].sum())
                has_target = listed > 0
                recalls.append(np.asarray(hits)[has_target] / np.minimum(k, listed[has_target]))
                coverages.append(len(shown) / n_items / room)
            recall = float(np.mean(np.concatenate(recalls)))
            coverage = float(np.mean(coverages))
            key = (
                coverage >= self.min_coverage,
                recall if coverage >= self.min_coverage else coverage,
            )
            if best is None or key > best[0]:
                best = (key, penalty)
        return best[1]

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
        return self._blend(feats, allowed, self.blends[variant])

    def _blend(self, feats, allowed, blend):
        """Blended scores of the candidates; the other items rank below every candidate, by
        recent popularity (the blend only scores the candidates: a fraction of the catalog)."""
        candidates = self._candidates(feats, allowed)
        chosen = blend.score(feats[candidates])
        floor = (chosen.min() if len(chosen) else 0.0) - 2.0
        # popular_recent lies in [0, 1], so every other item stays below every candidate.
        scores = floor + feats[..., POPULAR].astype(np.float64)
        scores[candidates] = chosen
        return scores

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
            scores = self._blend(feats, allowed, self.blends["all"])[0]
            contributions = self.blends["all"].contributions(feats[0])
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
    """A sensible blend without learning, for data too short to hold out a few weeks."""
    weights = dict.fromkeys(FEATURE_NAMES, 0.0)
    weights.update(ease=1.0, rp3beta=0.5, basket_neighbours=0.5, als=0.5, popular_recent=0.3)
    if variant == "all":
        weights.update(repeat_count=1.0, repeat_recent=1.0)
    return np.array([weights[name] for name in FEATURE_NAMES], dtype=np.float32)


def _naive_utc(value):
    """Timestamps as naive UTC (database times are aware), so all arithmetic is in one zone."""
    if isinstance(value, pd.Series):
        return value.dt.tz_convert("UTC").dt.tz_localize(None) if value.dt.tz else value
    return value.tz_convert("UTC").tz_localize(None) if value.tzinfo else value
