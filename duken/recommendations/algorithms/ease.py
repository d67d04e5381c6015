"""EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data")."""

import numpy as np

from .base import Recommender, as_csr


class EASE(Recommender):
    """Closed-form item-item model: B = I - P / diag(P), P = (X'X + lambda I)^-1, diag(B) = 0."""

    name = "ease"

    def __init__(self, l2=200.0, binary=True):
        self.l2 = l2
        self.binary = binary

    def fit(self, matrix):
        matrix = as_csr(matrix).astype(np.float64)
        if self.binary:
            matrix.data[:] = 1.0
        self.matrix = matrix
        gram = (matrix.T @ matrix).toarray()
        gram[np.diag_indices_from(gram)] += self.l2
        precision = np.linalg.inv(gram)
        weights = precision / (-np.diag(precision))
        weights[np.diag_indices_from(weights)] = 0.0
        self.weights = weights.astype(np.float32)
        return self

    def score(self, users):
        return np.asarray(self.matrix[users] @ self.weights)
