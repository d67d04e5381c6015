"""Similar products by what they are, not by who bought them: the same category and words in
the name ("Pink Regency Teacup" and "Green Regency Teacup"). A product gets such a list the
moment it exists, before anybody has bought or viewed it."""

import math

import numpy as np
import scipy.sparse as sp

from duken.recommendations.algorithms.itemknn import item_similarities
from duken.recommendations.algorithms.text import tokens, word_vectors

CATEGORY_WEIGHT = 0.6  # sharing the main category counts about as much as a shared rare word
NEIGHBOURS = 24


def similar_lists(products: list[tuple[int, str, int]], n: int = NEIGHBOURS) -> dict[int, list]:
    """``products`` as ``(id, name, primary_category_id)``; returns each product's most similar
    products as ``[[id, score], ...]``, best first."""
    if not products:
        return {}
    words = word_vectors([name for _pk, name, _category in products])
    categories = sorted({category for _pk, _name, category in products}, key=str)
    column = {category: number for number, category in enumerate(categories)}
    in_category = sp.csr_matrix(
        (
            np.full(len(products), CATEGORY_WEIGHT, dtype=np.float32),
            (np.arange(len(products)), [column[c] for _pk, _name, c in products]),
        ),
        shape=(len(products), len(categories)),
    )
    features = sp.hstack([words, in_category], format="csr")
    # Features play the users' part: products sharing them are similar.
    similarity = item_similarities(features.T.tocsr(), n_neighbours=n)
    ids = [pk for pk, _name, _category in products]
    return rows_to_lists(similarity, ids)


def rows_to_lists(matrix, ids) -> dict[int, list]:
    """A csr of item-to-item scores as ``{id: [[id, score], ...]}`` best first."""
    result = {}
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    for row in range(matrix.shape[0]):
        start, end = indptr[row], indptr[row + 1]
        if start == end:
            continue
        order = np.argsort(-data[start:end], kind="stable")
        result[ids[row]] = [
            [ids[indices[start + i]], round(float(data[start + i]), 5)] for i in order
        ]
    return result


def similar_to_one(
    name: str, category_id: int, others: list[tuple[int, str, int]], n: int = NEIGHBOURS
) -> list:
    """One new product's similar list against ``others`` (same shape as ``similar_lists``),
    computed directly so a new product is covered without a full retrain."""
    own = set(tokens(name))
    scored = []
    for pk, other_name, other_category in others:
        words = set(tokens(other_name))
        overlap = len(own & words) / math.sqrt(len(own) * len(words)) if own and words else 0.0
        same = CATEGORY_WEIGHT**2 if other_category == category_id else 0.0
        score = (overlap + same) / (1.0 + CATEGORY_WEIGHT**2)
        if score > 0:
            scored.append([pk, round(score, 5)])
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:n]
