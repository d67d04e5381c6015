import math

import pytest

from duken.recommendations.evaluation.metrics import coverage_at_k, ndcg_at_k, recall_at_k


def test_recall_counts_hits_in_the_first_k_over_the_smaller_of_k_and_the_target():
    # given a list with hits at positions 1 and 3
    recommended = ["a", "x", "b", "y", "c"]
    # then
    assert recall_at_k(recommended, {"a", "b", "c", "d"}, 3) == pytest.approx(2 / 3)
    assert recall_at_k(recommended, {"a", "b", "c", "d"}, 5) == pytest.approx(3 / 4)
    assert recall_at_k(recommended, {"b"}, 5) == 1.0
    assert recall_at_k(recommended, {"z"}, 5) == 0.0


def test_recall_ignores_hits_after_position_k():
    assert recall_at_k(["x", "y", "a"], {"a"}, 2) == 0.0


def test_ndcg_is_one_for_a_perfect_list_and_discounts_later_hits():
    assert ndcg_at_k(["a", "b", "x"], {"a", "b"}, 3) == pytest.approx(1.0)
    # one hit at rank 2 out of one relevant item: (1/log2 3) / (1/log2 2)
    assert ndcg_at_k(["x", "a", "y"], {"a"}, 3) == pytest.approx(1 / math.log2(3))
    # two relevant, one hit at rank 3: ideal DCG = 1 + 1/log2 3
    expected = (1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["x", "y", "a"], {"a", "b"}, 3) == pytest.approx(expected)


def test_ndcg_ideal_is_capped_at_k():
    # five relevant items, K = 2, both shown items relevant: a perfect top 2
    assert ndcg_at_k(["a", "b", "c"], set("abcde"), 2) == pytest.approx(1.0)


def test_metrics_refuse_an_empty_target():
    with pytest.raises(ValueError):
        recall_at_k(["a"], set(), 5)
    with pytest.raises(ValueError):
        ndcg_at_k(["a"], set(), 5)


def test_coverage_is_the_share_of_the_catalog_in_any_top_k():
    lists = [[1, 2, 3], [2, 3, 4], [5, 6, 7]]
    assert coverage_at_k(lists, 10, 2) == pytest.approx(5 / 10)  # 1, 2, 3, 5, 6
    assert coverage_at_k(lists, 10, 3) == pytest.approx(7 / 10)
    with pytest.raises(ValueError):
        coverage_at_k(lists, 0, 3)
