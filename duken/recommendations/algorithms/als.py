"""Implicit-feedback ALS (Hu, Koren, Volinsky 2008) through the ``implicit`` library."""

import warnings

import numpy as np

from .base import Recommender, as_csr


class ALS(Recommender):
    name = "als"

    def __init__(
        self, factors=64, regularization=0.05, alpha=10.0, iterations=15, seed=7, num_threads=2
    ):
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.seed = seed
        self.num_threads = num_threads

    def fit(self, matrix):
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        matrix = as_csr(matrix).astype(np.float32)
        confidence = matrix.copy()
        confidence.data = (np.log1p(confidence.data) * self.alpha).astype(np.float32)
        # implicit warns about OpenBLAS threads even when they are limited for the fit.
        with threadpool_limits(1, "blas"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            self.model = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=1.0,
                iterations=self.iterations,
                random_state=self.seed,
                num_threads=self.num_threads,
                calculate_training_loss=False,
            )
            self.model.fit(confidence, show_progress=False)
        self.user_factors = np.asarray(self.model.user_factors)
        self.item_factors = np.asarray(self.model.item_factors)
        return self

    def score(self, users):
        return self.user_factors[users] @ self.item_factors.T
