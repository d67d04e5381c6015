"""RP3beta (Paudel et al. 2017): a three-step random walk user-item-user-item, with the
arrival item's popularity raised to ``-beta`` to favour less popular items."""

import numpy as np
import scipy.sparse as sp

from .base import Recommender, as_csr
from .itemknn import top_k_per_row


class RP3beta(Recommender):
    name = "rp3beta"

    def __init__(self, alpha=1.0, beta=0.5, n_neighbours=200):
        self.alpha = alpha
        self.beta = beta
        self.n_neighbours = n_neighbours

    def fit(self, matrix):
        matrix = as_csr(matrix).astype(np.float64)
        matrix.data[:] = 1.0
        self.matrix = matrix
        user_degree = np.asarray(matrix.sum(axis=1)).ravel()
        item_degree = np.asarray(matrix.sum(axis=0)).ravel()
        p_ui = sp.diags(1.0 / np.maximum(user_degree, 1.0)) @ matrix
        p_iu = sp.diags(1.0 / np.maximum(item_degree, 1.0)) @ matrix.T.tocsr()
        if self.alpha != 1.0:
            p_ui = p_ui.power(self.alpha)
            p_iu = p_iu.power(self.alpha)
        walk = (p_iu @ p_ui).tocsr()
        penalty = np.power(np.maximum(item_degree, 1.0), -self.beta)
        walk = walk @ sp.diags(penalty)
        walk = sp.csr_matrix(walk)
        walk.setdiag(0)
        walk.eliminate_zeros()
        self.weights = top_k_per_row(walk, self.n_neighbours)
        return self

    def score(self, users):
        return np.asarray((self.matrix[users] @ self.weights).todense())
