"""The user's own repeat purchases, backfilled by popularity."""

import numpy as np

from .base import Recommender, as_csr


class Repeat(Recommender):
    """Items the user bought, most often first; the rest of the list by popularity.

    ``popularity`` is a vector of item popularity used below every bought item.
    """

    name = "repeat"

    def __init__(self, popularity):
        self.popularity = np.asarray(popularity, dtype=np.float64)

    def fit(self, matrix):
        self.matrix = as_csr(matrix)
        return self

    def score(self, users):
        own = np.asarray(self.matrix[users].todense(), dtype=np.float64)
        backfill = self.popularity / (self.popularity.max() + 1.0)
        return np.where(own > 0, own + 1.0, 0.0) + backfill
