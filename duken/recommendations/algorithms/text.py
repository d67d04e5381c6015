"""Product names as word vectors: what a product is, for similarity by name.

``word_vectors(names)`` gives one row per name, the name's words weighted by how rare they are
in the catalog (inverse document frequency) and scaled to unit length, so that the dot product
of two rows is the cosine similarity of two names ("Pink Regency Teacup" and "Green Regency
Teacup" share the rare "regency" and "teacup").
"""

import math
import re
from collections import Counter

import numpy as np
import scipy.sparse as sp

# Words that say nothing about what a product is.
STOP_WORDS = frozenset(
    "a an and the of set pack with in for to assorted size large small mini big box "
    "design colour color colours asst piece pcs".split()
)


def tokens(name: str) -> list[str]:
    words = re.findall(r"[^\W\d_]{3,}", (name or "").lower())
    return [w for w in words if w not in STOP_WORDS]


def word_vectors(names) -> sp.csr_matrix:
    """len(names) x vocabulary, float32: each name's distinct words weighted by
    ``log((1 + n) / (1 + document frequency)) + 1``, rows scaled to unit length (a name
    without words is a row of zeros)."""
    documents = [set(tokens(name)) for name in names]
    frequency = Counter(word for words in documents for word in words)
    vocabulary = {word: column for column, word in enumerate(sorted(frequency))}
    count = len(documents)
    rows, cols, values = [], [], []
    for row, words in enumerate(documents):
        weights = {
            vocabulary[word]: math.log((1 + count) / (1 + frequency[word])) + 1.0 for word in words
        }
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        for column, weight in weights.items():
            rows.append(row)
            cols.append(column)
            values.append(weight / norm)
    return sp.csr_matrix(
        (np.asarray(values, dtype=np.float32), (rows, cols)), shape=(count, len(vocabulary))
    )
