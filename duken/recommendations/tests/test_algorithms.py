import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from duken.recommendations.algorithms.als import ALS
from duken.recommendations.algorithms.blend import BlendEnsemble, BoostedTrees, LinearBlend
from duken.recommendations.algorithms.ease import EASE
from duken.recommendations.algorithms.features import (
    FEATURE_NAMES,
    FeatureBuilder,
    FeatureSettings,
    basket_transitions,
)
from duken.recommendations.algorithms.itemknn import ItemKNN, item_similarities
from duken.recommendations.algorithms.popularity import Popularity
from duken.recommendations.algorithms.ranker import DukenRanker
from duken.recommendations.algorithms.repeat import Repeat
from duken.recommendations.algorithms.rp3beta import RP3beta
from duken.recommendations.algorithms.text import word_vectors
from duken.recommendations.evaluation.protocol import clean

from .retail import retail_frame

# users x items: items 0 and 1 always bought together, 2 with 3 mostly, 4 by one user alone
MATRIX = sp.csr_matrix(
    np.array(
        [
            [1, 1, 0, 0, 0],
            [1, 1, 0, 0, 0],
            [1, 1, 1, 0, 0],
            [0, 0, 1, 1, 0],
            [0, 0, 1, 1, 1],
        ],
        dtype=np.float64,
    )
)


def test_item_similarities_are_cosines_with_a_zero_diagonal():
    # when
    sim = item_similarities(MATRIX, n_neighbours=10)
    # then
    assert sim.dtype == np.float32 and sp.isspmatrix_csr(sim)
    assert sim.diagonal().tolist() == [0.0] * 5
    assert sim[0, 1] == pytest.approx(1.0)
    assert sim[2, 3] == pytest.approx(2 / np.sqrt(3 * 2))
    assert sim[0, 2] == pytest.approx(1 / np.sqrt(3 * 3))
    assert sim[0, 4] == 0.0
    np.testing.assert_allclose(sim.toarray(), sim.toarray().T, rtol=1e-6)


def test_item_similarities_keep_only_the_top_neighbours():
    sim = item_similarities(MATRIX, n_neighbours=1)
    assert np.diff(sim.indptr).tolist() == [1, 1, 1, 1, 1]
    assert sim[0].indices.tolist() == [1]
    assert sim[2].indices.tolist() == [3]


def test_shrink_damps_similarities_resting_on_few_users():
    plain = item_similarities(MATRIX, shrink=0.0)
    damped = item_similarities(MATRIX, shrink=10.0)
    assert damped[3, 4] < plain[3, 4] / 2


def test_item_knn_scores_neighbours_of_what_the_user_bought():
    scores = ItemKNN(n_neighbours=10, shrink=0.0).fit(MATRIX).score([3])[0]
    # user 3 bought items 2 and 3: item 4 (bought with both) beats items 0/1
    assert scores[4] > scores[0] > 0


def test_popularity_counts_distinct_buyers():
    scores = Popularity().fit(MATRIX * 3).score([0, 4])
    assert scores.tolist() == [[3, 3, 3, 2, 1]] * 2


def test_repeat_puts_the_users_own_items_first_by_frequency_then_popularity():
    counts = sp.csr_matrix(np.array([[0, 1, 0, 4, 0]], dtype=np.float64))
    order = np.argsort(-Repeat([5, 1, 9, 0, 2]).fit(counts).score([0])[0], kind="stable")
    assert order.tolist() == [3, 1, 2, 0, 4]


def test_ease_weights_match_the_closed_form():
    l2 = 2.0
    model = EASE(l2=l2).fit(MATRIX)
    gram = MATRIX.T @ MATRIX + l2 * np.eye(5)
    p = np.linalg.inv(gram)
    expected = np.eye(5) - p / np.diag(p)
    np.testing.assert_allclose(model.weights, expected, atol=1e-5)
    assert np.diag(model.weights).tolist() == [0.0] * 5
    scores = model.score([3])[0]
    assert scores[4] > scores[0]


def test_rp3beta_walks_to_co_bought_items_and_penalises_popular_ones():
    plain = RP3beta(alpha=1.0, beta=0.0).fit(MATRIX)
    penalised = RP3beta(alpha=1.0, beta=1.0).fit(MATRIX)
    # a walk from item 0 reaches 1 (always together) more than 2 (once together)
    assert plain.weights[0, 1] > plain.weights[0, 2] > 0
    assert plain.weights.diagonal().tolist() == [0.0] * 5
    # beta divides by the arrival item's popularity: item 4 (1 buyer) gains on item 2 (3)
    ratio_plain = plain.weights[3, 4] / plain.weights[3, 2]
    ratio_penalised = penalised.weights[3, 4] / penalised.weights[3, 2]
    assert ratio_penalised == pytest.approx(ratio_plain * 3)


def test_als_learns_the_two_groups():
    blocks = sp.csr_matrix(np.kron(np.eye(2), np.ones((6, 6))))
    model = ALS(factors=4, regularization=0.01, alpha=10.0, iterations=15).fit(blocks)
    scores = model.score([0, 6])
    assert scores.shape == (2, 12)
    assert scores[0, :6].min() > scores[0, 6:].max()
    assert scores[1, 6:].min() > scores[1, :6].max()


def purchases(weeks=20):
    """A reorderer who buys TEA every week, two browsers of mugs, and a French shop."""
    rows = []
    start = pd.Timestamp("2011-01-03 09:00")
    for week in range(weeks):
        when = start + pd.Timedelta(weeks=week)
        rows.append(("tea lover", "TEA", when, 1, "United Kingdom"))
        if week % 3 == 0:
            rows.append(("tea lover", "BISCUITS", when, 1, "United Kingdom"))
        for n, buyer in enumerate(("mug fan", "mug collector")):
            rows.append(
                (
                    buyer,
                    ["RED MUG", "BLUE MUG", "GREEN MUG"][(week + n) % 3],
                    when,
                    2,
                    "United Kingdom",
                )
            )
            if week % 4 == n:
                rows.append((buyer, "MUG TREE", when, 1, "United Kingdom"))
        rows.append(("shop paris", "BAGUETTE BAG", when, 6, "France"))
        if week % 2:
            rows.append(("shop paris", "TEA", when, 3, "France"))
    return pd.DataFrame(rows, columns=["user", "item", "timestamp", "quantity", "country"])


def test_duken_ranker_recommends_with_reasons():
    # given
    ranker = DukenRanker().fit(purchases())
    # when
    recommendations = ranker.recommend("tea lover", k=3)
    # then the weekly reorder comes first, as a repeat purchase
    assert len(recommendations) == 3
    item, score, reason = recommendations[0]
    assert item == "TEA" and reason == "repeat" and isinstance(score, float)
    assert [s for _, s, _ in recommendations] == sorted(
        (s for _, s, _ in recommendations), reverse=True
    )
    assert all(isinstance(r, str) and r for _, _, r in recommendations)


def test_duken_ranker_leaves_out_excluded_items_and_serves_unknown_customers():
    ranker = DukenRanker().fit(purchases())
    items = [item for item, _, _ in ranker.recommend("tea lover", k=10, exclude={"TEA"})]
    assert "TEA" not in items and len(items) == len(set(items)) > 0
    newcomer = ranker.recommend("somebody new", k=2)
    assert [reason for _, _, reason in newcomer] == ["popular", "popular"]
    assert newcomer[0][0] in {"TEA", "RED MUG", "BLUE MUG", "GREEN MUG", "BAGUETTE BAG"}


def test_duken_ranker_learns_its_blend_only_from_enough_history():
    # given twenty weeks (enough to hold out eight) and three weeks (not enough)
    learned = DukenRanker().fit(purchases(weeks=20))
    short = DukenRanker().fit(purchases(weeks=3))
    # then the first learned its blend, the second falls back to fixed weights (nobody here
    # tries anything new in the held-out weeks, so there is no discovery blend to learn)
    assert type(learned.blends["all"]).__name__ == "BlendEnsemble"
    assert type(learned.blends["discovery"]).__name__ == "LinearBlend"
    assert {type(b).__name__ for b in short.blends.values()} == {"LinearBlend"}
    assert short.recommend("tea lover", k=1)[0][0] == "TEA"


def test_duken_ranker_learns_from_every_held_out_window_with_history_before_it():
    # given six weeks: too short to hold out eight weeks, long enough to hold out four
    six_weeks = purchases(weeks=6)
    # when
    both = DukenRanker().fit(six_weeks)
    eight_only = DukenRanker(windows=((56, 56),)).fit(six_weeks)
    # then the four-week window alone is enough to learn a blend
    assert type(both.blends["all"]).__name__ == "BlendEnsemble"
    assert type(eight_only.blends["all"]).__name__ == "LinearBlend"
    assert both.recommend("tea lover", k=1)[0][0] == "TEA"


def test_duken_ranker_learns_only_the_blends_it_is_asked_for():
    # given customers who also try items new to them in the held-out weeks
    rows = clean(retail_frame())
    # when
    both = DukenRanker().fit(rows)
    served_only = DukenRanker(learn=("all",)).fit(rows)
    # then both learn the blend "recommend" serves; only the first learns "discovery"
    assert type(both.blends["discovery"]).__name__ == "BlendEnsemble"
    assert type(served_only.blends["all"]).__name__ == "BlendEnsemble"
    assert type(served_only.blends["discovery"]).__name__ == "LinearBlend"
    user = rows["user"].iloc[0]
    assert served_only.recommend(user, k=5) == both.recommend(user, k=5)


def test_duken_ranker_reads_time_zone_aware_timestamps_as_utc():
    # given the same history with naive UTC times and with aware times (as the database has)
    naive = purchases()
    aware = naive.assign(timestamp=naive["timestamp"].dt.tz_localize("UTC"))
    now = pd.Timestamp("2011-05-23", tz="UTC")
    # when (warnings as errors: mixing zones would warn or fail)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from_aware = DukenRanker().fit(aware, now=now).recommend("mug fan", k=5)
    from_naive = DukenRanker().fit(naive, now=now.tz_localize(None)).recommend("mug fan", k=5)
    # then
    assert from_aware == from_naive


def test_duken_ranker_refuses_frames_without_the_columns_it_needs():
    with pytest.raises(ValueError, match="country"):
        DukenRanker().fit(purchases().drop(columns=["country"]))


def test_basket_transitions_count_what_follows_each_item_in_the_next_basket():
    # given two customers' baskets (one per day):
    # customer 0: {0, 1} then {2} then {0}; customer 1: {0} then {1, 2}
    days = ["2011-01-01", "2011-01-01", "2011-01-05", "2011-01-09"]
    days += ["2011-01-02", "2011-01-03", "2011-01-03"]
    events = pd.DataFrame(
        {"u": [0, 0, 0, 0, 1, 1, 1], "i": [0, 1, 2, 0, 0, 2, 1], "day": pd.to_datetime(days)}
    )
    # when
    transitions, last = basket_transitions(events, 2, 3, baskets=2, decay=0.5, shrink=0.0)
    # then item 0 is in two baskets followed by another: once by {2}, once by {1, 2}
    np.testing.assert_allclose(
        transitions.toarray(), [[0.0, 0.5, 1.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    )
    # and each customer's last two baskets, the latest weighing 1 and the one before 0.5
    np.testing.assert_allclose(last.toarray(), [[1.0, 0.0, 0.5], [0.5, 1.0, 1.0]])
    # and shrinkage pulls items seen in few baskets towards zero
    shrunk, _ = basket_transitions(events, 2, 3, baskets=2, decay=0.5, shrink=2.0)
    np.testing.assert_allclose(shrunk.toarray()[0], [0.0, 0.25, 0.5])
    # and with a horizon of two baskets, customer 0's {0, 1} also counts towards their {0}
    ahead, _ = basket_transitions(events, 2, 3, shrink=0.0, horizon=2)
    np.testing.assert_allclose(ahead.toarray(), [[0.5, 0.5, 1.0], [1.0, 0.0, 1.0], [1.0, 0.0, 0.0]])


def test_basket_transitions_keep_the_items_reordered_in_the_next_basket():
    # given a customer who buys item 1 in every basket, and item 0 once
    events = pd.DataFrame(
        {
            "u": [0, 0, 0, 0],
            "i": [0, 1, 1, 1],
            "day": pd.to_datetime(["2011-01-01", "2011-01-01", "2011-01-08", "2011-01-15"]),
        }
    )
    transitions, last = basket_transitions(events, 1, 2, shrink=0.0)
    # then item 1's own next-basket rate is 1 (the diagonal is kept), and the customer's
    # next-basket score ranks item 1 first
    assert transitions[1, 1] == 1.0 and transitions[1, 0] == 0.0
    scores = (last @ transitions).toarray()[0]
    assert scores[1] > scores[0]


def _builder(rows, names=None, cutoff="2011-03-01"):
    frame = pd.DataFrame(rows, columns=["u", "i", "timestamp"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    frame["quantity"], frame["country"] = 1.0, "United Kingdom"
    n_users, n_items = frame["u"].max() + 1, frame["i"].max() + 1
    settings = FeatureSettings(als_factors=2, als_iterations=2, num_threads=1)
    return FeatureBuilder(frame, n_users, n_items, pd.Timestamp(cutoff), settings, names=names)


def test_word_vectors_match_names_by_their_rare_words():
    names = ["PINK REGENCY TEACUP", "GREEN REGENCY TEACUP", "PINK PAPER BAG", "12", "GREEN BAG"]
    vectors = word_vectors(names)
    similarity = (vectors @ vectors.T).toarray()
    norms = np.diag(similarity)
    assert np.allclose(norms[[0, 1, 2, 4]], 1.0, atol=1e-6) and norms[3] == 0.0
    # two rare shared words ("regency", "teacup") weigh more than one common one ("pink")
    assert similarity[0, 1] > similarity[0, 2] > 0.0
    assert similarity[0, 4] == 0.0


def test_features_count_recency_in_the_customers_own_baskets():
    # given customer 0's baskets (purchase days): item 0 on the first day, item 1 on each of
    # the last two, item 2 once a day before the last, and six baskets of item 3 in between
    rows = [(0, 0, "2011-01-01")]
    rows += [(0, 3, f"2011-01-{day:02d}") for day in range(2, 8)]
    rows += [(0, 1, "2011-02-01"), (0, 2, "2011-02-01"), (0, 1, "2011-02-10")]
    builder = _builder(rows)
    # when
    feats = builder.features([0])[0]
    recency = feats[:, FEATURE_NAMES.index("repeat_basket_recency")]
    last_five = feats[:, FEATURE_NAMES.index("repeat_last_baskets")]
    # then the latest basket counts 1, one basket earlier exp(-1/2), eight earlier exp(-4)
    assert recency[1] == pytest.approx(1.0)
    assert recency[2] == pytest.approx(np.exp(-0.5))
    assert recency[0] == pytest.approx(np.exp(-4.0))
    # and the share of the last five baskets holding each item
    assert last_five[1] == pytest.approx(2 / 5)
    assert last_five[2] == pytest.approx(1 / 5)
    assert last_five[3] == pytest.approx(3 / 5)
    assert last_five[0] == 0.0


def test_features_match_products_by_name_when_names_are_given():
    # given a customer who bought a pink Regency teacup
    names = ["PINK REGENCY TEACUP", "GREEN REGENCY TEACUP", "RED MUG", "BLUE MUG"]
    rows = [(0, 0, "2011-02-01"), (1, 2, "2011-02-01"), (1, 3, "2011-02-02")]
    named = _builder(rows, names=names).features([0])[0]
    unnamed = _builder(rows).features([0])[0]
    column = FEATURE_NAMES.index("name_match")
    # then the green teacup matches by name, the mugs do not; without names nothing does
    assert named[1, column] > 0.5 and named[2, column] == named[3, column] == 0.0
    assert not unnamed[:, column].any()


def test_features_say_what_similar_customers_bought_lately():
    # given customers 0 and 1 with the same taste; 1 bought item 2 last week, 3 long ago
    rows = [(0, 0, "2010-10-01"), (1, 0, "2010-10-01"), (0, 1, "2010-10-05")]
    rows += [(1, 1, "2010-10-05"), (1, 3, "2010-10-06"), (1, 2, "2011-02-22")]
    feats = _builder(rows).features([0])[0]
    lately = feats[:, FEATURE_NAMES.index("similar_customers_now")]
    assert lately[2] == pytest.approx(1.0) and 0.0 < lately[3] < 0.1


def test_blend_ensemble_averages_blends_from_different_starts():
    # given lists in which the first feature marks what was bought
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(FEATURE_NAMES)))
    groups = np.repeat(np.arange(40), 10)
    y = (x[:, 0] + 0.3 * rng.normal(size=400) > 1.0).astype(float)
    # when
    ensemble = BlendEnsemble(seeds=(1, 2), hidden=2, max_iterations=50).fit(x, y, groups)
    # then its members differ, and its score is the mean of their standardised scores
    first, second = (member.score(x) for member in ensemble.members)
    assert not np.allclose(first, second)
    expected = ((first - first.mean()) / first.std() + (second - second.mean()) / second.std()) / 2
    assert np.allclose(ensemble.score(x), expected)
    assert np.corrcoef(ensemble.score(x), x[:, 0])[0, 1] > 0.8


def test_boosted_trees_rank_what_was_bought_first_within_each_list():
    # given lists in which the first feature, through a threshold no linear term fits, marks
    # what was bought
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2000, len(FEATURE_NAMES)))
    groups = np.repeat(np.arange(100), 20)
    y = (np.abs(x[:, 0]) > 1.2).astype(float)
    # when
    trees = BoostedTrees(rounds=50, columns=[0, 1, 2]).fit(x, y, groups)
    # then bought items score above the rest, and the trees name no reasons
    scores = trees.score(x.reshape(100, 20, -1))
    assert scores.shape == (100, 20)
    assert scores.reshape(-1)[y == 1].min() > np.median(scores.reshape(-1)[y == 0])
    assert not trees.contributions(x[:5]).any()


def test_blend_ensemble_with_trees_averages_three_members():
    # given lists in which the first feature marks what was bought
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(FEATURE_NAMES)))
    groups = np.repeat(np.arange(40), 10)
    y = (x[:, 0] + 0.3 * rng.normal(size=400) > 1.0).astype(float)
    # when
    ensemble = BlendEnsemble(seeds=(1, 2), trees=True, hidden=2, max_iterations=50)
    ensemble.fit(x, y, groups)
    # then the trees are the third member and weigh as much as each listwise blend
    assert [type(m).__name__ for m in ensemble.members] == [
        "ListwiseBlend",
        "ListwiseBlend",
        "BoostedTrees",
    ]
    parts = [member.score(x) for member in ensemble.members]
    expected = sum((part - part.mean()) / part.std() for part in parts) / 3
    assert np.allclose(ensemble.score(x), expected)
    assert np.corrcoef(ensemble.score(x), x[:, 0])[0, 1] > 0.8


def test_ranker_averages_trees_into_the_all_blend_only():
    ranker = DukenRanker(seeds=(7,)).fit(clean(retail_frame()))
    assert type(ranker.blends["all"].members[-1]).__name__ == "BoostedTrees"
    assert all(type(m).__name__ == "ListwiseBlend" for m in ranker.blends["discovery"].members)


def test_discovery_blend_leaves_out_what_similar_customers_bought_lately():
    # given a ranker that learned both blends
    ranker = DukenRanker(seeds=(7,)).fit(clean(retail_frame()))
    feats = ranker.builder.features([0, 1])
    changed = feats.copy()
    changed[..., FEATURE_NAMES.index("similar_customers_now")] += 1.0
    # then only the "all" blend reads that signal
    discovery, served = ranker.blends["discovery"], ranker.blends["all"]
    assert np.allclose(discovery.score(feats), discovery.score(changed))
    assert not np.allclose(served.score(feats), served.score(changed))


def test_duken_ranker_matches_products_by_the_names_it_is_given():
    # given shop products, known by number, and their names
    codes, names = purchases()["item"].factorize()
    rows = purchases().assign(item=codes + 1)
    named = {number + 1: name for number, name in enumerate(names)}
    # when
    with_names = DukenRanker(seeds=(7,)).fit(rows, names=named)
    without = DukenRanker(seeds=(7,)).fit(rows)
    # then only the first compares names ("RED MUG" and "BLUE MUG" share "mug")
    column = FEATURE_NAMES.index("name_match")
    assert with_names.builder.features([0])[..., column].any()
    assert not without.builder.features([0])[..., column].any()


def _penalty_window(n_lists, n_items=100, seed=0):
    """Held-out lists where every customer bought the 20 best-sellers and the blend ranks by
    popularity: a popularity penalty costs recall and shows more of the catalog."""
    rng = np.random.default_rng(seed)
    popular = FEATURE_NAMES.index("popular_recent")
    taste = FEATURE_NAMES.index("ease")
    x = np.zeros((n_lists * n_items, len(FEATURE_NAMES)), dtype=np.float32)
    x[:, popular] = np.tile(np.linspace(1.0, 0.0, n_items), n_lists)
    x[:, taste] = rng.random(n_lists * n_items)
    y = np.tile((np.arange(n_items) < 20).astype(np.float64), n_lists)
    group = np.repeat(np.arange(n_lists), n_items)
    items = np.tile(np.arange(n_items), n_lists)
    wanted = np.full(n_lists, 20)
    return x, y, group, items, wanted, 0


def test_the_coverage_floor_shrinks_with_the_room_the_held_out_lists_have():
    weights = np.zeros(len(FEATURE_NAMES))
    weights[FEATURE_NAMES.index("popular_recent")] = 1.0
    weights[FEATURE_NAMES.index("ease")] = 0.1
    blend = LinearBlend(weights)
    ranker = DukenRanker(min_coverage=0.33)
    # 50 lists of 20 hold 10 places per item: the whole floor applies, and the same top 20
    # for everyone (coverage 0.2) is not enough
    assert ranker._popularity_penalty(blend, [_penalty_window(50)], n_items=100) > 0
    # 10 lists hold 2 places per item, too few to show a third of the catalog without
    # far-fetched items: the floor is lowered to 0.33 x 2/4, and the best-sellers stay
    assert ranker._popularity_penalty(blend, [_penalty_window(10)], n_items=100) == 0
