"""Popularity baselines: distinct buyers per item, globally or within a country."""

import numpy as np

from .base import Recommender, as_csr


class Popularity(Recommender):
    """Every user gets the items with the most distinct buyers (in the matrix it is fitted on;
    the evaluation fits it on the last three months of train)."""

    name = "popularity"

    def fit(self, matrix):
        matrix = as_csr(matrix)
        self.counts = np.asarray((matrix > 0).sum(axis=0), dtype=np.float64).ravel()
        return self

    def score(self, users):
        return np.broadcast_to(self.counts, (len(users), len(self.counts))).copy()
