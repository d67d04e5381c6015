"""Recommendation algorithms: pure numpy/scipy/pandas, no Django.

Every model works on a users x items ``scipy.sparse.csr_matrix`` of interaction weights and
produces dense score rows for a batch of users (``score(users) -> ndarray``), so the offline
evaluation and the shop's serving code share one code path.
"""
