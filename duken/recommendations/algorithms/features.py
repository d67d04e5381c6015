"""Per (user, item) features at a cutoff time, shared by Duken's ranker for learning and scoring.

Every feature is computed only from the purchases strictly before the cutoff, so the same code
builds the learning set (features at an inner cutoff, labels after it) and the serving scores
(features at the end of the data).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg  # noqa: F401  (sp.linalg.norm)

from .als import ALS
from .ease import EASE
from .itemknn import item_similarities, top_k_per_row
from .rp3beta import RP3beta
from .text import word_vectors

DAY = np.timedelta64(1, "D")

# name -> the reason code shown to a customer when the feature contributes most.
FEATURES = {
    "repeat_count": "repeat",
    "repeat_recent": "repeat",
    "repeat_long": "repeat",
    "repeat_heavy": "repeat",
    "ease": "co_purchase",
    "rp3beta": "co_purchase",
    "basket_neighbours": "co_purchase",
    "als": "learned",
    "popular_recent": "popular",
    "trend": "popular",
    "popular_country": "popular_country",
    "season": "seasonal",
    "novelty": "new",
    "ease_rank": "co_purchase",
    "rp3beta_rank": "co_purchase",
    "als_rank": "learned",
    "repeat_share": "repeat",
    "repeat_last": "repeat",
    "repeat_item_rate": "repeat",
    "repeat_popular": "repeat",
    "repeat_ease": "repeat",
    "repeat_als": "repeat",
    "repeat_habit": "repeat",
    "repeat_breadth": "repeat",
    "repeat_quantity": "repeat",
    "similar_customers": "similar_customers",
    "selling_now": "popular",
    "repeat_selling_now": "repeat",
    "last_sale": "popular",
    "repeat_basket_recency": "repeat",
    "repeat_last_baskets": "repeat",
    "name_match": "similar_name",
    "similar_customers_now": "similar_customers",
}
FEATURE_NAMES = list(FEATURES)


@dataclass
class FeatureSettings:
    ease_l2: float = 300.0
    rp3_alpha: float = 0.5
    rp3_beta: float = 0.5
    rp3_neighbours: int = 50
    knn_neighbours: int = 20
    customer_neighbours: int = 100
    als_factors: int = 128
    als_regularization: float = 20.0
    als_alpha: float = 4.0
    als_iterations: int = 12
    short_decay_days: float = 30.0
    long_decay_days: float = 150.0
    num_threads: int = 2


class FeatureBuilder:
    """Fits the component models on ``purchases`` (rows before ``cutoff``) and computes features.

    ``purchases``: DataFrame with integer ``u`` (user index), ``i`` (item index), ``timestamp``
    and ``country``; ``n_users``/``n_items`` fix the matrix shapes so indices stay stable.
    ``names``: the items' names by index, for similarity by name (none: that feature is zero).
    """

    def __init__(self, purchases, n_users, n_items, cutoff, settings=None, names=None):
        self.settings = settings or FeatureSettings()
        self.n_users, self.n_items = n_users, n_items
        self.cutoff = np.datetime64(pd.Timestamp(cutoff))
        s = self.settings
        rows = purchases[purchases["timestamp"] < pd.Timestamp(cutoff)]
        days = rows.assign(day=rows["timestamp"].dt.floor("D"))
        events = days.drop_duplicates(["u", "i", "day"])
        age = (self.cutoff - events["day"].to_numpy().astype("datetime64[ns]")) / DAY
        u, i = events["u"].to_numpy(), events["i"].to_numpy()
        shape = (n_users, n_items)

        def matrix(values):
            return sp.csr_matrix((values, (u, i)), shape=shape, dtype=np.float64)

        self.count = matrix(np.ones(len(events)))
        self.recent = matrix(np.exp(-age / s.short_decay_days))
        self.long = matrix(np.exp(-age / s.long_decay_days))
        # exp(-days since the customer last bought the item / 60)
        last = events.groupby(["u", "i"])["day"].max().reset_index()
        last_age = (self.cutoff - last["day"].to_numpy().astype("datetime64[ns]")) / DAY
        self.last = sp.csr_matrix(
            (np.exp(-last_age / 60.0), (last["u"].to_numpy(), last["i"].to_numpy())), shape=shape
        )
        # Share of the item's buyers who bought it on more than one day (smoothed): some
        # products are consumables, reordered again and again, others are bought once.
        per_pair = events.groupby(["u", "i"]).size()
        buyers = np.bincount(per_pair.index.get_level_values("i"), minlength=n_items)
        again = np.bincount(
            per_pair.index.get_level_values("i")[per_pair.to_numpy() > 1], minlength=n_items
        )
        prior = again.sum() / max(buyers.sum(), 1)
        self.item_repeat_rate = (again + 10.0 * prior) / (buyers + 10.0)
        # How much of what the customer buys is a reorder: among their lines after their first
        # day, the share of items they had bought on an earlier day (smoothed to the mean).
        first_day = events.groupby(["u", "i"])["day"].transform("min")
        later = events["day"] > events.groupby("u")["day"].transform("min")
        reorder = (events["day"] > first_day) & later
        lines = np.bincount(u[later.to_numpy()], minlength=n_users)
        reorders = np.bincount(u[reorder.to_numpy()], minlength=n_users)
        mean = reorders.sum() / max(lines.sum(), 1)
        self.user_habit = (reorders + 5.0 * mean) / (lines + 5.0)
        self.user_breadth = np.bincount(
            events.drop_duplicates(["u", "i"])["u"].to_numpy(), minlength=n_users
        ).astype(np.float64)
        quantity = rows.groupby(["u", "i"])["quantity"].sum()
        self.quantity = sp.csr_matrix(
            (
                np.clip(quantity.to_numpy(dtype=np.float64), 0, None),
                (
                    quantity.index.get_level_values("u").to_numpy(),
                    quantity.index.get_level_values("i").to_numpy(),
                ),
            ),
            shape=shape,
        )
        self.bought = self.count.copy()
        self.bought.data[:] = 1.0
        self._basket_sequence(events, shape)
        user_days = days.drop_duplicates(["u", "day"]).groupby("u").size()
        self.user_days = np.zeros(n_users)
        self.user_days[user_days.index.to_numpy()] = user_days.to_numpy()

        self.ease = EASE(l2=s.ease_l2).fit(self.bought)
        self.rp3 = RP3beta(alpha=s.rp3_alpha, beta=s.rp3_beta, n_neighbours=s.rp3_neighbours).fit(
            self.bought
        )
        self.neighbours = item_similarities(self.long, s.knn_neighbours, shrink=5.0)
        # Customers whose recent (decayed) purchases look most like each customer's.
        profiles = sp.diags(1.0 / np.maximum(sp.linalg.norm(self.long, axis=1), 1e-12)) @ self.long
        self.profiles = sp.csr_matrix(profiles)
        similar = (self.profiles @ self.profiles.T).tocsr()
        similar.setdiag(0)
        similar.eliminate_zeros()
        self.similar_customers = top_k_per_row(similar, s.customer_neighbours)
        # Each customer's taste in words: the names of what they bought, weighted as ``long``.
        self.words = word_vectors(names) if names is not None else None
        if self.words is not None and self.words.shape[1]:
            taste = sp.csr_matrix(self.long @ self.words)
            norms = np.sqrt(np.asarray(taste.multiply(taste).sum(axis=1)).ravel())
            self.taste = sp.csr_matrix(sp.diags(1.0 / np.maximum(norms, 1e-12)) @ taste)
        else:
            self.words = None
        self.als = ALS(
            factors=s.als_factors,
            regularization=s.als_regularization,
            alpha=s.als_alpha,
            iterations=s.als_iterations,
            num_threads=s.num_threads,
        ).fit(self.bought)

        self.popular_recent = self._buyers(events, age, 90)
        short = self._buyers(events, age, 30)
        # Still on sale? Products that stopped selling (sold out, discontinued) are not reordered.
        self.selling_now = np.log1p(self._buyers(events, age, 14))
        last_sale = events.groupby("i")["day"].max()
        last_age = np.full(n_items, 365.0)
        last_age[last_sale.index.to_numpy()] = (
            self.cutoff - last_sale.to_numpy().astype("datetime64[ns]")
        ) / DAY
        self.last_sale = np.exp(-last_age / 7.0)
        self.trend = np.log1p(short * 3.0) - np.log1p(self.popular_recent)
        self.popular_recent = np.log1p(self.popular_recent) / np.log1p(
            max(self.popular_recent.max(), 1.0)
        )
        first_sale = events.groupby("i")["day"].min()
        first_age = np.full(n_items, np.inf)
        first_age[first_sale.index.to_numpy()] = (
            self.cutoff - first_sale.to_numpy().astype("datetime64[ns]")
        ) / DAY
        self.novelty = np.exp(-first_age / 45.0)
        season = events[(age >= 365 - 45) & (age < 365 + 45)]
        buyers = season.drop_duplicates(["u", "i"]).groupby("i").size()
        self.season = np.zeros(n_items)
        self.season[buyers.index.to_numpy()] = buyers.to_numpy()
        self.season = np.log1p(self.season) / np.log1p(max(self.season.max(), 1.0))

        self.user_country = np.full(n_users, -1, dtype=np.int64)
        last_country = rows.sort_values("timestamp").drop_duplicates("u", keep="last")
        codes, countries = pd.factorize(last_country["country"])
        self.user_country[last_country["u"].to_numpy()] = codes
        recent_events = events[age < 180]
        pairs = recent_events[["u", "i"]].drop_duplicates()
        pair_country = self.user_country[pairs["u"].to_numpy()]
        n_countries = max(len(countries), 1)
        table = np.zeros((n_countries + 1, n_items))
        np.add.at(table, (pair_country, pairs["i"].to_numpy()), 1.0)
        customers = np.bincount(
            self.user_country[np.unique(pairs["u"].to_numpy())], minlength=n_countries + 1
        )[: n_countries + 1]
        # Laplace-smoothed share of the country's recent buyers who bought the item.
        overall = table.sum(axis=0) / max(customers.sum(), 1)
        self.country_share = (table + 5.0 * overall) / (customers[:, None] + 5.0)

    def _basket_sequence(self, events, shape):
        """Recency counted in the customer's own baskets (purchase days) rather than in days:
        a customer who orders every two months and one who orders every week both reorder
        from their last few baskets. ``basket_recency`` is ``exp(-baskets since the item was
        last bought / 2)`` (1 for the latest basket), ``last_baskets`` the share of the
        customer's last five baskets that held the item."""
        keys = events[["u", "day"]].drop_duplicates()
        from_last = keys.groupby("u")["day"].rank(ascending=False, method="dense") - 1.0
        position = pd.Series(
            from_last.to_numpy(), index=pd.MultiIndex.from_frame(keys[["u", "day"]])
        )
        ago = position.reindex(pd.MultiIndex.from_frame(events[["u", "day"]])).to_numpy()
        u, i = events["u"].to_numpy(), events["i"].to_numpy()
        latest = pd.DataFrame({"u": u, "i": i, "ago": ago}).groupby(["u", "i"])["ago"].min()
        self.basket_recency = sp.csr_matrix(
            (
                np.exp(-latest.to_numpy() / 2.0),
                (
                    latest.index.get_level_values("u").to_numpy(),
                    latest.index.get_level_values("i").to_numpy(),
                ),
            ),
            shape=shape,
        )
        baskets = np.bincount(keys["u"].to_numpy(), minlength=shape[0])
        recent = ago < 5
        self.last_baskets = sp.diags(1.0 / np.maximum(np.minimum(baskets, 5), 1)) @ sp.csr_matrix(
            (np.ones(int(recent.sum())), (u[recent], i[recent])), shape=shape
        )
        self.last_baskets = sp.csr_matrix(self.last_baskets)

    def _buyers(self, events, age, window_days):
        window = events[age < window_days].drop_duplicates(["u", "i"]).groupby("i").size()
        counts = np.zeros(self.n_items)
        counts[window.index.to_numpy()] = window.to_numpy()
        return counts

    def features(self, users):
        """Array len(users) x n_items x len(FEATURE_NAMES), float32."""
        users = np.asarray(users)
        n = len(users)
        out = np.empty((n, self.n_items, len(FEATURE_NAMES)), dtype=np.float32)
        count = self.count[users].toarray()
        heavy = np.log1p(self.user_days[users])[:, None]
        out[..., 0] = np.log1p(count)
        out[..., 1] = self.recent[users].toarray()
        out[..., 2] = np.log1p(self.long[users].toarray())
        out[..., 3] = (count > 0) * heavy
        ease = self.ease.score(users)
        rp3 = self.rp3.score(users)
        als = self.als.score(users)
        out[..., 4] = _row_normalised(ease)
        out[..., 5] = _row_normalised(rp3)
        out[..., 6] = _row_normalised((self.recent[users] @ self.neighbours).toarray())
        out[..., 7] = _row_normalised(als)
        out[..., 8] = self.popular_recent[None, :]
        out[..., 9] = self.trend[None, :]
        out[..., 10] = np.sqrt(self.country_share[self.user_country[users]])
        out[..., 11] = self.season[None, :]
        out[..., 12] = self.novelty[None, :]
        out[..., 13] = _rank_gain(ease)
        out[..., 14] = _rank_gain(rp3)
        out[..., 15] = _rank_gain(als)
        out[..., 16] = count / np.maximum(self.user_days[users], 1.0)[:, None]
        out[..., 17] = self.last[users].toarray()
        bought = (count > 0).astype(np.float32)
        out[..., 18] = bought * self.item_repeat_rate[None, :]
        out[..., 19] = bought * out[..., 8]
        out[..., 20] = bought * out[..., 4]
        out[..., 21] = bought * out[..., 7]
        out[..., 22] = bought * self.user_habit[users][:, None]
        out[..., 23] = bought * np.log1p(self.user_breadth[users])[:, None]
        out[..., 24] = np.log1p(self.quantity[users].toarray())
        out[..., 25] = _row_normalised((self.similar_customers[users] @ self.profiles).toarray())
        out[..., 26] = self.selling_now[None, :]
        out[..., 27] = bought * self.selling_now[None, :]
        out[..., 28] = self.last_sale[None, :]
        out[..., 29] = self.basket_recency[users].toarray()
        out[..., 30] = self.last_baskets[users].toarray()
        if self.words is not None:
            out[..., 31] = (self.taste[users] @ self.words.T).toarray()
        else:
            out[..., 31] = 0.0
        # What customers with a similar taste have bought lately.
        out[..., 32] = _row_normalised((self.similar_customers[users] @ self.recent).toarray())
        return out


def basket_transitions(events, n_users, n_items, baskets=3, decay=0.5, shrink=10.0, horizon=1):
    """What customers buy in the basket after a basket holding each item, and each customer's
    last baskets.

    ``events``: distinct (``u``, ``i``, ``day``) rows; a basket is one customer's purchase day.
    Returns ``transitions`` (items x items, sparse): ``transitions[i, j]`` counts, over the
    baskets holding ``i`` that the same customer followed with another basket, the next
    ``horizon`` baskets holding ``j``, divided by the number of those baskets plus ``shrink``
    (items seen in few baskets are pulled towards zero). With ``horizon=1`` it is the share of
    next baskets holding ``j``. The diagonal is the item's own rate of coming back. And
    ``last_baskets`` (users x items, sparse): the items of each customer's last ``baskets``
    baskets, the latest weighing 1, the one before ``decay``, then ``decay**2``...
    A customer's next-basket score is ``last_baskets[u] @ transitions``.

    Not among the ranker's signals: measured as one and left out (docs/recommendations.md,
    "What did not help").
    """
    keys = events[["u", "day"]].drop_duplicates().sort_values(["u", "day"])
    users = keys["u"].to_numpy()
    n_baskets = len(keys)
    # Position of each basket from the customer's latest (0 = latest).
    counts = np.bincount(users, minlength=n_users)
    order_in_user = np.arange(n_baskets) - np.repeat(np.cumsum(counts) - counts, counts)
    from_last = counts[users] - 1 - order_in_user
    basket_id = pd.MultiIndex.from_frame(keys).get_indexer(
        pd.MultiIndex.from_frame(events[["u", "day"]])
    )
    items = events["i"].to_numpy()
    basket_items = sp.csr_matrix(
        (np.ones(len(events)), (basket_id, items)), shape=(n_baskets, n_items)
    )
    # Basket b followed by basket b + 1 of the same customer (and b + 2... up to ``horizon``).
    has_next = np.r_[users[1:] == users[:-1], False]
    source = np.flatnonzero(has_next)
    pairs = [(source, source + 1)]
    for ahead in range(2, horizon + 1):
        later = np.flatnonzero(users[ahead:] == users[:-ahead])
        pairs.append((later, later + ahead))
    step = sp.csr_matrix(
        (
            np.ones(sum(len(a) for a, _ in pairs)),
            (np.concatenate([a for a, _ in pairs]), np.concatenate([b for _, b in pairs])),
        ),
        shape=(n_baskets, n_baskets),
    )
    counted = (basket_items.T @ step @ basket_items).tocsr()
    followed = np.asarray(basket_items[source].sum(axis=0)).ravel()
    transitions = sp.diags(1.0 / (followed + shrink)) @ counted
    recent = from_last < baskets
    weights = sp.csr_matrix(
        (decay ** from_last[recent], (users[recent], np.flatnonzero(recent))),
        shape=(n_users, n_baskets),
    )
    return sp.csr_matrix(transitions), sp.csr_matrix(weights @ basket_items)


def _row_normalised(scores):
    scores = np.asarray(scores, dtype=np.float64)
    top = np.abs(scores).max(axis=1, keepdims=True)
    return scores / np.where(top > 0, top, 1.0)


def _rank_gain(scores):
    """1 / log2(rank + 1) of each item in its row (rank 1 = best): what a list position is worth."""
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(scores.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, scores.shape[1] + 1)[None, :]
    return 1.0 / np.log2(ranks + 1.0)
