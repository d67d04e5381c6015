"""The learned second stage of Duken's ranker: a small neural scorer trained listwise.

For each customer the candidates' scores go through a softmax, and the loss is the negative
log-likelihood of the items the customer went on to buy. Listwise training compares items only
within one customer's list, which is what a ranking needs (a pointwise model also has to learn
how much each customer buys). The scorer is a linear term plus one small tanh hidden layer, so
it can learn interactions such as "repeat purchases matter more for customers who reorder
often" while the linear term explains the main effects (and names a reason for each item).

A blend may also average in gradient-boosted trees trained for ranking (``BoostedTrees``):
alone they rank a little worse than the listwise scorer, but they err elsewhere, so the average
of both ranks better than either (docs/recommendations.md).
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from .features import FEATURE_NAMES

POPULAR = FEATURE_NAMES.index("popular_recent")


class ListwiseBlend:
    popularity_penalty = 0.0

    def __init__(self, hidden=8, l2=50.0, max_iterations=300, list_length=20, seed=7, columns=None):
        # The features (columns) the blend uses; all by default.
        self.columns = columns
        self.hidden = hidden
        self.list_length = list_length
        self.l2 = l2
        self.max_iterations = max_iterations
        self.seed = seed

    def fit(self, x, y, groups):
        """``x`` n x d features, ``y`` 0/1 labels, ``groups`` sorted group (customer) ids."""
        x = np.asarray(x, dtype=np.float64)
        if self.columns is None:
            self.columns = np.arange(x.shape[1])
        x = x[:, self.columns]
        y = np.asarray(y, dtype=np.float64)
        self.mean = x.mean(axis=0)
        self.std = x.std(axis=0)
        self.std[self.std == 0] = 1.0
        z = (x - self.mean) / self.std
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        sizes = np.diff(np.r_[starts, len(groups)])
        positives = np.add.reduceat(y, starts)
        keep_group = positives > 0
        if not keep_group.any():
            raise ValueError("no positive examples to learn from")
        row_group = np.repeat(np.arange(len(starts)), sizes)
        row_keep = keep_group[row_group]
        z, y, row_group = z[row_keep], y[row_keep], row_group[row_keep]
        _, row_group = np.unique(row_group, return_inverse=True)
        starts = np.flatnonzero(np.r_[True, row_group[1:] != row_group[:-1]])
        positives = np.add.reduceat(y, starts)
        # Each customer counts once, as in the average recall: a customer who bought a hundred
        # items weighs no more than one who bought a few (beyond the list length).
        group_weight = np.minimum(self.list_length, positives) / positives
        wy = y * group_weight[row_group]
        d, h = z.shape[1], self.hidden
        rng = np.random.default_rng(self.seed)
        shapes = {"linear": (d,), "w1": (d, h), "b1": (h,), "w2": (h,)}
        sizes_flat = [int(np.prod(s)) for s in shapes.values()]
        offsets = np.cumsum([0, *sizes_flat])

        def unpack(theta):
            return {
                name: theta[offsets[k] : offsets[k + 1]].reshape(shape)
                for k, (name, shape) in enumerate(shapes.items())
            }

        theta0 = np.concatenate(
            [np.zeros(d), rng.normal(0, 0.1, d * h), np.zeros(h), rng.normal(0, 0.1, h)]
        )

        def loss(theta):
            p = unpack(theta)
            # One pass over z for the linear term and the hidden layer, one for their gradients.
            both = z @ np.column_stack([p["linear"], p["w1"]])
            hidden = np.tanh(both[:, 1:] + p["b1"])
            s = both[:, 0] + hidden @ p["w2"]
            peak = np.maximum.reduceat(s, starts)
            e = np.exp(s - peak[row_group])
            total = np.add.reduceat(e, starts)
            lse = np.log(total) + peak
            value = (group_weight * positives * lse).sum() - wy @ s
            penalty = 0.5 * self.l2 * (theta[offsets[1] :] @ theta[offsets[1] :])
            penalty += 0.5 * self.l2 * 0.1 * (p["linear"] @ p["linear"])
            ds = (group_weight * positives)[row_group] * e / total[row_group] - wy
            dz = np.outer(ds, p["w2"]) * (1.0 - hidden**2)
            back = z.T @ np.column_stack([ds, dz])
            grads = {
                "linear": back[:, 0] + self.l2 * 0.1 * p["linear"],
                "w1": back[:, 1:],
                "b1": dz.sum(axis=0),
                "w2": hidden.T @ ds,
            }
            grad = np.concatenate([grads[name].ravel() for name in shapes])
            grad[offsets[1] :] += self.l2 * theta[offsets[1] :]
            return (value + penalty) / len(starts), grad / len(starts)

        # The matrices are tall and thin: one BLAS thread is faster than several here.
        with threadpool_limits(1, "blas"):
            result = minimize(
                loss,
                theta0,
                jac=True,
                method="L-BFGS-B",
                options={"maxiter": self.max_iterations},
            )
        self.params = unpack(result.x)
        return self

    def score(self, feats):
        """Scores for features of any leading shape (..., d)."""
        z = (feats[..., self.columns] - self.mean) / self.std
        hidden = np.tanh(z @ self.params["w1"] + self.params["b1"])
        scores = z @ self.params["linear"] + hidden @ self.params["w2"]
        return scores - self.popularity_penalty * feats[..., POPULAR]

    def contributions(self, feats):
        """Each feature's share of the linear term: what the reasons are named after (zero for
        features the blend does not use)."""
        shares = np.zeros(feats.shape)
        shares[..., self.columns] = (
            (feats[..., self.columns] - self.mean) / self.std * self.params["linear"]
        )
        return shares


class BoostedTrees:
    """Gradient-boosted trees that learn to rank each customer's candidates (LightGBM's
    LambdaRank, which weighs swaps near the top of a list most), on the same learning lists
    as ``ListwiseBlend``. Trees name no reasons: ``contributions`` is zero."""

    popularity_penalty = 0.0

    def __init__(
        self,
        rounds=200,
        learning_rate=0.1,
        leaves=15,
        min_rows_per_leaf=50,
        truncation=40,
        seed=7,
        threads=1,
        columns=None,
    ):
        self.columns = columns
        self.rounds = rounds
        self.params = {
            "objective": "lambdarank",
            "learning_rate": learning_rate,
            "num_leaves": leaves,
            "min_data_in_leaf": min_rows_per_leaf,
            # Only swaps that move an item into or out of the first ``truncation`` places count.
            "lambdarank_truncation_level": truncation,
            "seed": seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": threads,
            "verbose": -1,
        }

    def fit(self, x, y, groups):
        """``x`` n x d features, ``y`` 0/1 labels, ``groups`` sorted group (customer) ids."""
        import lightgbm

        x = np.asarray(x, dtype=np.float64)
        if self.columns is None:
            self.columns = np.arange(x.shape[1])
        groups = np.asarray(groups)
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        sizes = np.diff(np.r_[starts, len(groups)])
        data = lightgbm.Dataset(x[:, self.columns], np.asarray(y, dtype=np.float64), group=sizes)
        self.booster = lightgbm.train(self.params, data, num_boost_round=self.rounds)
        return self

    def score(self, feats):
        """Scores for features of any leading shape (..., d)."""
        feats = np.asarray(feats)
        flat = feats.reshape(-1, feats.shape[-1])[:, self.columns]
        # Every core for the shop's lists of all customers at once, one for a single customer.
        threads = (os.cpu_count() or 1) if len(flat) >= 10_000 else 1
        scores = self.booster.predict(flat, num_threads=threads) if len(flat) else np.zeros(0)
        return scores.reshape(feats.shape[:-1]) - self.popularity_penalty * feats[..., POPULAR]

    def contributions(self, feats):
        return np.zeros(feats.shape)


class BlendEnsemble:
    """The average of listwise blends that differ only in their random start, and optionally
    of gradient-boosted trees (``trees=True``).

    The hidden layer makes each blend's fit land in a different optimum; one blend's recall
    varies by about 0.002 from seed to seed, the average of two by less. Members learn side
    by side, one thread each (their matrix products and the trees' library release the
    interpreter lock). Each member's scores are put on one scale (mean 0, standard deviation
    1 on the learning rows) before averaging, so every member weighs the same.
    """

    popularity_penalty = 0.0

    def __init__(self, seeds=(7, 8), trees=False, **options):
        self.members = [ListwiseBlend(seed=seed, **options) for seed in seeds]
        if trees:
            seed = seeds[0] if seeds else 7
            self.members.append(BoostedTrees(seed=seed, columns=options.get("columns")))

    def fit(self, x, y, groups):
        blends = [member for member in self.members if isinstance(member, ListwiseBlend)]
        cores = os.cpu_count() or 1
        workers = max(1, min(len(blends), cores))
        with threadpool_limits(1, "blas"), ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda member: member.fit(x, y, groups), blends))
        for member in self.members:
            if not isinstance(member, ListwiseBlend):
                # After the blends, so the trees have every core to themselves.
                member.params["num_threads"] = cores
                member.fit(x, y, groups)
                member.params["num_threads"] = 1
        self.scales = []
        for member in self.members:
            scores = member.score(x)
            self.scales.append((float(scores.mean()), float(scores.std()) or 1.0))
        return self

    def score(self, feats):
        total = 0.0
        for member, (mean, std) in zip(self.members, self.scales, strict=True):
            total = total + (member.score(feats) - mean) / std
        return total / len(self.members) - self.popularity_penalty * feats[..., POPULAR]

    def contributions(self, feats):
        return sum(
            member.contributions(feats) / std
            for member, (_mean, std) in zip(self.members, self.scales, strict=True)
        ) / len(self.members)


class LinearBlend:
    """Fixed weights: the blend used when there is too little history to learn one."""

    popularity_penalty = 0.0

    def __init__(self, weights):
        self.weights = np.asarray(weights, dtype=np.float64)

    def score(self, feats):
        return feats @ self.weights

    def contributions(self, feats):
        return feats * self.weights
