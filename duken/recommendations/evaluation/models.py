"""The models compared by the evaluation, each with its hyper-parameter grid.

A spec's ``build(split, params)`` fits on ``split.train`` only and returns a scorer whose
``score(user_indices, variant)`` gives one row of scores over ``split.items`` per user.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..algorithms.als import ALS
from ..algorithms.ease import EASE
from ..algorithms.itemknn import ItemKNN
from ..algorithms.popularity import Popularity
from ..algorithms.ranker import DukenRanker
from ..algorithms.repeat import Repeat
from ..algorithms.rp3beta import RP3beta
from .protocol import VARIANTS, interaction_matrix

POPULARITY_DAYS = 91  # "the last three months of train"


@dataclass
class Spec:
    name: str
    build: object
    grid: list = field(default_factory=lambda: [{}])
    variants: tuple = VARIANTS


class _Scorer:
    def __init__(self, model):
        self.model = model

    def score(self, users, variant):
        return self.model.score(users)


def recent_popularity(split):
    recent = split.train[
        split.train["timestamp"] >= split.split_date - pd.Timedelta(days=POPULARITY_DAYS)
    ]
    return Popularity().fit(interaction_matrix(recent, split.users, split.items)).counts


def _popularity(split, params):
    model = Popularity()
    model.counts = recent_popularity(split)
    return _Scorer(model)


def _repeat(split, params):
    return _Scorer(Repeat(recent_popularity(split)).fit(split.matrix))


def _model(cls):
    def build(split, params):
        params = dict(params)
        weighting = params.pop("weighting", "binary")
        matrix = split.matrix.copy().astype(np.float64)
        if weighting == "binary":
            matrix.data[:] = 1.0
        elif weighting == "log":
            matrix.data = np.log1p(matrix.data)
        return _Scorer(cls(**params).fit(matrix))

    return build


class _RankerScorer:
    def __init__(self, split):
        self.ranker = DukenRanker().fit(split.train, now=split.split_date)
        self.users = self.ranker.user_index.get_indexer(split.users)
        self.items = self.ranker.item_index.get_indexer(split.items)

    def score(self, users, variant):
        scores = self.ranker.score_users(self.users[users], variant)
        return np.asarray(scores)[:, self.items]


def _duken(split, params):
    return _RankerScorer(split)


SPECS = [
    Spec("duken", _duken),
    Spec("popularity", _popularity),
    Spec("repeat", _repeat, variants=("all",)),
    Spec(
        "item_knn",
        _model(ItemKNN),
        [{"n_neighbours": n, "shrink": s} for n in (10, 20, 50, 200, 1000) for s in (0.0, 10.0)],
    ),
    Spec(
        "als",
        _model(ALS),
        [
            {"factors": f, "regularization": r, "alpha": a, "iterations": 15}
            for f, r, a in ((128, 20.0, 4.0), (256, 5.0, 1.0), (256, 20.0, 4.0), (256, 50.0, 16.0))
        ]
        + [
            {"factors": f, "regularization": r, "alpha": a, "iterations": 30, "weighting": "log"}
            for f, r, a in ((256, 20.0, 8.0), (512, 20.0, 4.0), (512, 20.0, 8.0), (512, 50.0, 16.0))
        ],
    ),
    Spec(
        "ease",
        _model(EASE),
        [{"l2": l2, "binary": False, "weighting": "binary"} for l2 in (100.0, 300.0, 800.0)]
        + [{"l2": l2, "binary": False, "weighting": "log"} for l2 in (50.0, 200.0)],
    ),
    Spec(
        "rp3beta",
        _model(RP3beta),
        [
            {"alpha": a, "beta": b, "n_neighbours": n}
            for a in (0.5, 0.8, 1.0)
            for b in (0.3, 0.5, 0.7)
            for n in (30, 100, 500)
        ],
    ),
]
