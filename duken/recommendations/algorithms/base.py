"""Shared pieces of the recommendation algorithms."""

import numpy as np
import scipy.sparse as sp


def as_csr(matrix):
    if not sp.isspmatrix_csr(matrix) and not isinstance(matrix, sp.csr_array):
        matrix = sp.csr_matrix(matrix)
    return sp.csr_matrix(matrix)


class Recommender:
    """A model fitted on a users x items matrix that scores every item for a batch of users."""

    name = "recommender"

    def fit(self, matrix):
        raise NotImplementedError

    def score(self, users):
        """Dense float array len(users) x n_items; higher is better."""
        raise NotImplementedError


def top_k(scores, k, exclude=None):
    """Indices of the ``k`` best items per row; ``exclude`` (csr, same shape) masks items out."""
    scores = np.array(scores, dtype=np.float64, copy=True)
    if exclude is not None:
        rows, cols = exclude.nonzero()
        scores[rows, cols] = -np.inf
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)
