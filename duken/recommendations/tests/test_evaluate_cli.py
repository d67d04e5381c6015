import json
import os
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ..evaluation import protocol
from .retail import retail_frame

BASELINES = {"popularity", "repeat", "item_knn", "als", "ease", "rp3beta"}
SHIPPED = (
    Path(__file__).resolve().parents[3] / "data/online-retail/online_retail_until_2011-09.parquet"
)


def evaluate(*args):
    out = StringIO()
    call_command("recs", "evaluate", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def retail_file(tmp_path):
    path = tmp_path / "retail.parquet"
    retail_frame().to_parquet(path)
    return path


def test_evaluate_prints_one_json_object_for_every_model_and_variant(retail_file):
    # when
    out = evaluate("--data", str(retail_file), "--split-date", "2011-05-16", "--json", "--k", "3")
    # then
    result = json.loads(out)
    assert result["split_date"] == "2011-05-16" and result["k"] == 3
    all_models = result["variants"]["all"]["models"]
    assert set(all_models) == BASELINES | {"duken"}
    assert set(result["variants"]["discovery"]["models"]) == BASELINES - {"repeat"} | {"duken"}
    assert result["variants"]["all"]["users"] > 0
    for figures in all_models.values():
        assert set(figures) == {"recall@10", "recall@3", "ndcg@3", "coverage@3", "train_seconds"}
        assert 0 <= figures["recall@3"] <= 1 and 0 <= figures["coverage@3"] <= 1
    # customers here reorder their favourites: reordering beats global popularity
    assert all_models["repeat"]["recall@3"] > all_models["popularity"]["recall@3"]


def test_evaluate_prints_a_table_for_one_variant_and_k(retail_file):
    out = evaluate(
        "--data", str(retail_file), "--split-date", "2011-05-16", "--k", "5", "--variant", "all"
    )
    assert "recall@5" in out and "ndcg@5" in out
    assert "discovery" not in out
    for model in BASELINES | {"duken"}:
        assert f"  {model} " in out


def test_evaluate_reads_csv_with_text_dates(tmp_path):
    path = tmp_path / "retail.csv"
    frame = retail_frame(n_customers=12, weeks=16)
    frame["InvoiceDate"] = frame["InvoiceDate"].dt.strftime("%m/%d/%Y %H:%M")
    frame.to_csv(path, index=False)
    result = json.loads(
        evaluate(
            "--data", str(path), "--split-date", "2011-04-04", "--variant", "discovery", "--json"
        )
    )
    assert list(result["variants"]) == ["discovery"]


def test_evaluate_reads_the_uci_spreadsheet_like_the_parquet_file(tmp_path):
    # the UCI original is "Online Retail.xlsx", with InvoiceNo and StockCode beside the six
    # columns the protocol reads
    frame = retail_frame(n_customers=12, weeks=16)
    frame.insert(0, "InvoiceNo", [str(536365 + n // 3) for n in range(len(frame))])
    frame.insert(1, "StockCode", frame["Description"].str[-1])
    spreadsheet, parquet = tmp_path / "Online Retail.xlsx", tmp_path / "retail.parquet"
    frame.to_excel(spreadsheet, index=False, sheet_name="Online Retail")
    frame.to_parquet(parquet)
    from_spreadsheet = protocol.clean(protocol.read_file(spreadsheet))
    pd.testing.assert_frame_equal(from_spreadsheet, protocol.clean(protocol.read_file(parquet)))
    result = json.loads(
        evaluate(
            "--data", str(spreadsheet), "--split-date", "2011-04-04", "--variant", "all", "--json"
        )
    )
    assert result["variants"]["all"]["users"] == 12


def test_a_damaged_spreadsheet_gets_a_clear_message(tmp_path):
    damaged = tmp_path / "Online Retail.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(CommandError, match="Cannot read .* as a spreadsheet"):
        evaluate("--data", str(damaged), "--split-date", "2011-05-16")


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda f: f.drop(columns=["UnitPrice", "Country"]),
            "lacks the column(s) UnitPrice, Country",
        ),
        (lambda f: f.assign(Quantity="a few"), "Quantity must hold numbers"),
        (lambda f: f.assign(InvoiceDate="last tuesday"), "InvoiceDate must hold dates"),
        (lambda f: f.assign(InvoiceDate=12), "InvoiceDate must hold dates"),
        (lambda f: f.assign(CustomerID=None), "No rows are left"),
    ],
)
def test_bad_data_gets_a_clear_message(tmp_path, change, message):
    path = tmp_path / "bad.parquet"
    change(retail_frame(n_customers=6, weeks=6)).to_parquet(path)
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        evaluate("--data", str(path), "--split-date", "2011-01-20")


@pytest.mark.parametrize(
    "split_date, message",
    [
        ("2010-06-01", "outside the data"),  # empty train side
        ("2011-12-01", "outside the data"),  # empty test side
        ("2011-02-30", "must be YYYY-MM-DD"),
        ("next week", "must be YYYY-MM-DD"),
    ],
)
def test_bad_split_dates_get_a_clear_message(retail_file, split_date, message):
    with pytest.raises(CommandError, match=message):
        evaluate("--data", str(retail_file), "--split-date", split_date)


def test_a_missing_or_unreadable_file_gets_a_clear_message(tmp_path):
    with pytest.raises(CommandError, match="No such data file"):
        evaluate("--data", str(tmp_path / "nope.parquet"), "--split-date", "2011-05-16")
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"not a parquet file")
    with pytest.raises(CommandError, match="Cannot read"):
        evaluate("--data", str(garbage), "--split-date", "2011-05-16")


def test_nobody_to_test_on_gets_a_clear_message(tmp_path):
    # every customer buys once, so nobody is on both sides of the split
    frame = retail_frame(n_customers=6, weeks=6)
    frame = frame.dropna(subset=["CustomerID"]).drop_duplicates("CustomerID")
    path = tmp_path / "once.parquet"
    frame.to_parquet(path)
    middle = frame["InvoiceDate"].sort_values().iloc[3].strftime("%Y-%m-%d")
    with pytest.raises(CommandError, match="nobody to test on"):
        evaluate("--data", str(path), "--split-date", middle)


def test_duken_recs_lists_its_subcommands(capsys):
    with pytest.raises(SystemExit):
        call_command("recs", "--help")
    assert "evaluate" in capsys.readouterr().out


@pytest.mark.skipif(
    not os.environ.get("DUKEN_TEST_RECS_OFFLINE"),
    reason="the full offline evaluation takes minutes; set DUKEN_TEST_RECS_OFFLINE=1",
)
def test_duken_ranker_beats_the_baselines_on_the_shipped_data():
    result = json.loads(evaluate("--data", str(SHIPPED), "--split-date", "2011-06-01", "--json"))
    for variant in ("all", "discovery"):
        models = result["variants"][variant]["models"]
        duken = models.pop("duken")
        best = max(models.values(), key=lambda figures: figures["recall@20"])
        assert duken["recall@20"] >= 1.1 * best["recall@20"], variant
        assert duken["ndcg@20"] >= max(figures["ndcg@20"] for figures in models.values())
        assert duken["coverage@20"] >= 0.3
    assert pd.Timestamp(result["split_date"]) == pd.Timestamp("2011-06-01")


@pytest.mark.skipif(
    not os.environ.get("DUKEN_TEST_RECS_OFFLINE"),
    reason="the offline evaluation takes minutes; set DUKEN_TEST_RECS_OFFLINE=1",
)
def test_duken_ranker_holds_its_own_in_a_small_shop(tmp_path):
    # the shipped file's customers outside the United Kingdom: 130 test customers, whose
    # lists have too little room to show a third of the catalog
    frame = pd.read_parquet(SHIPPED)
    path = tmp_path / "non_uk.parquet"
    frame[frame["Country"] != "United Kingdom"].to_parquet(path)
    result = json.loads(evaluate("--data", str(path), "--split-date", "2011-06-01", "--json"))
    best = {}
    for variant in ("all", "discovery"):
        models = result["variants"][variant]["models"]
        duken = models.pop("duken")
        best[variant] = (duken, max(models.values(), key=lambda figures: figures["recall@20"]))
    duken, baseline = best["discovery"]
    assert duken["recall@20"] >= 1.05 * baseline["recall@20"]
    assert duken["ndcg@20"] >= baseline["ndcg@20"]
    duken, baseline = best["all"]
    assert duken["recall@20"] >= 0.98 * baseline["recall@20"]
