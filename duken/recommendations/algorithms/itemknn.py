"""Item-to-item similarity (Amazon's item-based collaborative filtering) and an item-kNN model."""

import numpy as np
import scipy.sparse as sp

from .base import Recommender, as_csr


def item_similarities(matrix, n_neighbours=50, shrink=0.0):
    """Each item's top ``n_neighbours`` cosine neighbours as an items x items csr (float32).

    ``matrix`` is users x items (values = interaction weights, e.g. purchase counts or views).
    ``shrink`` damps similarities resting on few common users: sim = dot / (|a||b| + shrink).
    The diagonal is zero; rows of items nobody interacted with are empty.
    """
    matrix = as_csr(matrix).astype(np.float32)
    n_items = matrix.shape[1]
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=0)).ravel()).astype(np.float32)
    gram = (matrix.T @ matrix).tocsr().astype(np.float32)
    gram.setdiag(0)
    gram.eliminate_zeros()
    gram = gram.tocoo()
    denominator = norms[gram.row] * norms[gram.col] + np.float32(shrink)
    values = gram.data / np.maximum(denominator, np.float32(1e-12))
    similarities = sp.csr_matrix((values, (gram.row, gram.col)), shape=(n_items, n_items))
    return top_k_per_row(similarities, n_neighbours)


def top_k_per_row(matrix, k):
    """Keep the ``k`` largest entries of each row of a csr matrix (float32 result)."""
    matrix = as_csr(matrix)
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    keep = np.zeros(len(data), dtype=bool)
    for row in range(matrix.shape[0]):
        start, end = indptr[row], indptr[row + 1]
        if end - start <= k:
            keep[start:end] = True
        else:
            top = np.argpartition(-data[start:end], k - 1)[:k]
            keep[start + top] = True
    kept = np.concatenate([[0], np.cumsum(keep)])
    new_indptr = kept[indptr].astype(np.int64)
    result = sp.csr_matrix(
        (data[keep].astype(np.float32), indices[keep], new_indptr), shape=matrix.shape
    )
    result.sort_indices()
    return result


class ItemKNN(Recommender):
    """Score = sum over the user's items of their similarity to the candidate (item-based CF)."""

    name = "item_knn"

    def __init__(self, n_neighbours=100, shrink=10.0):
        self.n_neighbours = n_neighbours
        self.shrink = shrink

    def fit(self, matrix):
        self.matrix = as_csr(matrix)
        self.similarity = item_similarities(self.matrix, self.n_neighbours, self.shrink)
        return self

    def score(self, users):
        return np.asarray((self.matrix[users] @ self.similarity).todense())
