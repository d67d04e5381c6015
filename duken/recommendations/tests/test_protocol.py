import numpy as np
import pandas as pd
import pytest

from duken.recommendations.evaluation import EvaluationError
from duken.recommendations.evaluation.models import SPECS
from duken.recommendations.evaluation.protocol import clean, split
from duken.recommendations.evaluation.runner import tune

from .retail import retail_frame

COLUMNS = ["Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]


def frame(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def day(text):
    return pd.Timestamp(text)


def test_clean_keeps_only_product_purchases_by_known_customers():
    # given every kind of line the protocol drops, and two that it keeps
    raw = frame(
        [
            ("  WHITE METAL LANTERN ", 2, day("2011-01-05"), 3.4, 17850.0, "United Kingdom"),
            ("RED MUG", 1, day("2011-01-05"), 1.0, 17850.0, "United Kingdom"),
            ("RED MUG", 1, day("2011-01-05"), 1.0, None, "United Kingdom"),
            ("RED MUG", -1, day("2011-01-06"), 1.0, 17850.0, "United Kingdom"),
            ("RED MUG", 1, day("2011-01-06"), 0.0, 17850.0, "United Kingdom"),
            (None, 1, day("2011-01-06"), 1.0, 17850.0, "United Kingdom"),
            ("POSTAGE", 1, day("2011-01-06"), 18.0, 17850.0, "United Kingdom"),
            ("DOTCOM POSTAGE", 1, day("2011-01-06"), 18.0, 17850.0, "United Kingdom"),
            ("Manual", 1, day("2011-01-06"), 5.0, 17850.0, "United Kingdom"),
            ("CARRIAGE", 1, day("2011-01-06"), 5.0, 17850.0, "United Kingdom"),
            ("Discount", 1, day("2011-01-06"), 5.0, 17850.0, "United Kingdom"),
            ("AMAZON FEE", 1, day("2011-01-06"), 5.0, 17850.0, "United Kingdom"),
            ("Bank Charges", 1, day("2011-01-06"), 5.0, 17850.0, "United Kingdom"),
            ("SAMPLES", 1, day("2011-01-06"), 5.0, 17850.0, "United Kingdom"),
            ("Adjust bad debt", 1, day("2011-01-06"), 5.0, 17850.0, "United Kingdom"),
            ("??", 1, day("2011-01-06"), 5.0, 17850.0, "United Kingdom"),
            ("20713", 1, day("2011-01-06"), 5.0, 17850.0, "United Kingdom"),
        ]
    )
    # when
    purchases = clean(raw)
    # then
    assert purchases["item"].tolist() == ["WHITE METAL LANTERN", "RED MUG"]
    assert purchases["user"].tolist() == [17850, 17850]
    assert list(purchases.columns) == ["user", "item", "timestamp", "quantity", "price", "country"]


def test_split_tests_customers_seen_on_both_sides_on_items_known_in_train():
    # given A buys before and after, B only before, C only after; "NEW" first sells after
    raw = frame(
        [
            ("MUG", 1, day("2011-03-01"), 1.0, 1, "UK"),
            ("JUG", 1, day("2011-03-02"), 1.0, 1, "UK"),
            ("BOWL", 1, day("2011-03-02"), 1.0, 2, "UK"),
            ("MUG", 1, day("2011-05-31 23:59"), 1.0, 2, "UK"),
            ("MUG", 1, day("2011-06-01"), 1.0, 1, "UK"),  # first moment of test
            ("BOWL", 1, day("2011-06-03"), 1.0, 1, "UK"),
            ("NEW", 1, day("2011-06-03"), 1.0, 1, "UK"),
            ("JUG", 1, day("2011-06-04"), 1.0, 3, "UK"),
        ]
    )
    # when
    data = split(clean(raw), "2011-06-01")
    # then
    assert len(data.train) == 4 and len(data.test) == 4
    assert list(data.items) == ["BOWL", "JUG", "MUG"]
    a = data.users.get_loc(1)
    assert data.targets["all"].keys() == {a}
    assert [data.items[i] for i in data.targets["all"][a]] == ["BOWL", "MUG"]
    assert [data.items[i] for i in data.targets["discovery"][a]] == ["BOWL"]


def test_discovery_skips_customers_who_only_reordered():
    raw = frame(
        [
            ("MUG", 1, day("2011-03-01"), 1.0, 1, "UK"),
            ("JUG", 1, day("2011-03-01"), 1.0, 2, "UK"),
            ("MUG", 1, day("2011-06-02"), 1.0, 1, "UK"),
            ("MUG", 1, day("2011-06-02"), 1.0, 2, "UK"),
        ]
    )
    data = split(clean(raw), "2011-06-01")
    assert len(data.targets["all"]) == 2
    assert list(data.targets["discovery"]) == [data.users.get_loc(2)]


@pytest.mark.parametrize("when", ["2010-01-01", "2011-01-03", "2012-01-01"])
def test_a_split_date_outside_the_data_is_refused(when):
    purchases = clean(retail_frame(n_customers=6, weeks=4))
    with pytest.raises(EvaluationError, match="outside the data"):
        split(purchases, when)


def test_the_evaluation_never_lets_test_rows_into_training():
    # given the same train rows twice, once followed by real test rows and once by test rows
    # rewritten (other customers' favourites, other quantities, a burst of one product)
    raw = retail_frame()
    purchases = clean(raw)
    split_date = pd.Timestamp("2011-05-16")
    after = purchases["timestamp"] >= split_date
    rewritten = purchases.copy()
    rng = np.random.default_rng(11)
    rewritten.loc[after, "item"] = rng.permutation(rewritten.loc[after, "item"].to_numpy())
    rewritten.loc[after, "quantity"] = 99
    burst = rewritten[after].head(30).assign(item="PRODUCT A")
    rewritten = pd.concat([rewritten, burst], ignore_index=True)
    original, changed = split(purchases, split_date), split(rewritten, split_date)
    assert not original.test.equals(changed.test)
    assert original.train.equals(changed.train)

    for spec in SPECS:
        # when every model is tuned and fitted on each
        variants = [v for v in spec.variants if original.targets[v]]
        params = tune(spec, purchases, split_date, variants, 5, lambda m: None)
        assert params == tune(spec, rewritten, split_date, variants, 5, lambda m: None)
        for variant in variants:
            first = spec.build(original, params[variant])
            second = spec.build(changed, params[variant])
            users = np.arange(len(original.users))
            # then the scores of every user and item are the same: test rows were never seen
            np.testing.assert_allclose(
                first.score(users, variant),
                second.score(users, variant),
                rtol=1e-5,
                err_msg=spec.name,
            )
