"""The evaluation protocol: which rows count, how they split, who is tested on what."""

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from python_calamine import CalamineError

from . import EvaluationError

COLUMNS = ("Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country")
NON_PRODUCT = frozenset(
    {
        "POSTAGE",
        "DOTCOM POSTAGE",
        "MANUAL",
        "CARRIAGE",
        "DISCOUNT",
        "AMAZON FEE",
        "BANK CHARGES",
        "SAMPLES",
        "ADJUST BAD DEBT",
    }
)
HAS_LETTER = re.compile(r"[^\W\d_]")
VARIANTS = ("all", "discovery")


EXCEL = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})


def read_file(path):
    """The raw table from a parquet, CSV or spreadsheet file (the UCI original is
    ``Online Retail.xlsx``) in the Online Retail format; a spreadsheet's first sheet."""
    path = Path(path)
    if not path.is_file():
        raise EvaluationError(f"No such data file: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path, encoding_errors="replace")
        if suffix in EXCEL:
            return pd.read_excel(path, sheet_name=0, engine="calamine")
        return pd.read_parquet(path)
    except (OSError, ValueError, pd.errors.ParserError, CalamineError) as exc:
        kind = "a spreadsheet" if suffix in EXCEL else "parquet or CSV"
        raise EvaluationError(f"Cannot read {path} as {kind}: {exc}") from None


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Purchases of products by known customers: columns user, item, timestamp, quantity,
    price, country (one row per purchase line)."""
    missing = [column for column in COLUMNS if column not in raw.columns]
    if missing:
        raise EvaluationError(
            f"The data lacks the column(s) {', '.join(missing)}; "
            f"the Online Retail format has {', '.join(COLUMNS)}."
        )
    quantity = _numeric(raw["Quantity"], "Quantity")
    price = _numeric(raw["UnitPrice"], "UnitPrice")
    timestamp = _dates(raw["InvoiceDate"])
    customer = raw["CustomerID"]
    if pd.api.types.is_float_dtype(customer):
        whole = customer.dropna()
        if (whole == whole.round()).all():
            customer = customer.astype("Int64")
    description = raw["Description"].astype("string").str.strip()
    keep = (
        customer.notna()
        & (quantity > 0)
        & (price > 0)
        & timestamp.notna()
        & description.notna()
        & description.str.contains(HAS_LETTER, na=False)
        & ~description.str.upper().isin(NON_PRODUCT)
    ).fillna(False)
    keep = keep.to_numpy(dtype=bool)
    return pd.DataFrame(
        {
            "user": customer[keep].to_numpy(),
            "item": description[keep].to_numpy(dtype=object),
            "timestamp": timestamp[keep].to_numpy(),
            "quantity": quantity[keep].to_numpy(),
            "price": price[keep].to_numpy(),
            "country": raw["Country"][keep].astype("string").fillna("").to_numpy(dtype=object),
        }
    ).reset_index(drop=True)


def _numeric(column, name):
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.astype("float64")
    converted = pd.to_numeric(column, errors="coerce")
    bad = converted.isna() & column.notna()
    if bad.any():
        example = column[bad].iloc[0]
        raise EvaluationError(
            f"Column {name} must hold numbers; {int(bad.sum())} row(s) do not (e.g. {example!r})."
        )
    return converted.astype("float64")


def _dates(column):
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.tz_localize(None) if column.dt.tz is not None else column
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        raise EvaluationError("Column InvoiceDate must hold dates and times, not numbers.")
    converted = pd.to_datetime(column, errors="coerce", format="mixed")
    bad = converted.isna() & column.notna()
    if bad.any():
        example = column[bad].iloc[0]
        raise EvaluationError(
            f"Column InvoiceDate must hold dates; {int(bad.sum())} row(s) do not "
            f"(e.g. {example!r})."
        )
    return converted


def parse_date(text):
    try:
        return pd.Timestamp(pd.to_datetime(text, format="%Y-%m-%d"))
    except (ValueError, TypeError):
        raise EvaluationError(f"The split date must be YYYY-MM-DD, not {text!r}.") from None


@dataclass
class Split:
    """Train and test of one split date, indexed for the models.

    ``matrix`` is train users x train items, values = number of distinct invoices.
    ``targets[variant]`` maps a user index to the array of target item indices.
    """

    split_date: pd.Timestamp
    train: pd.DataFrame
    test: pd.DataFrame
    users: pd.Index
    items: pd.Index
    matrix: sp.csr_matrix
    targets: dict = field(default_factory=dict)

    def test_users(self, variant):
        return np.array(sorted(self.targets[variant]), dtype=np.int64)


def split(purchases: pd.DataFrame, split_date) -> Split:
    """Train = rows before ``split_date``, test = rows from it on (see the module docstring)."""
    split_date = pd.Timestamp(split_date)
    if purchases.empty:
        raise EvaluationError(
            "No rows are left after cleaning: no product purchases by known customers."
        )
    first, last = purchases["timestamp"].min(), purchases["timestamp"].max()
    if not first < split_date <= last:
        raise EvaluationError(
            f"The split date {split_date:%Y-%m-%d} is outside the data, which runs from "
            f"{first:%Y-%m-%d} to {last:%Y-%m-%d}; choose a date after the first day and not "
            f"after the last."
        )
    before = purchases["timestamp"] < split_date
    train, test = purchases[before], purchases[~before]
    if train.empty or test.empty:
        side = "train" if train.empty else "test"
        raise EvaluationError(f"The {side} side of the split is empty.")
    users = pd.Index(pd.unique(train["user"]))
    items = pd.Index(np.sort(pd.unique(train["item"])))
    matrix = interaction_matrix(train, users, items)

    # Test purchases of items known in train, by customers known in train.
    u = users.get_indexer(test["user"])
    i = items.get_indexer(test["item"])
    known = (u >= 0) & (i >= 0)
    pairs = pd.DataFrame({"u": u[known], "i": i[known]}).drop_duplicates()
    if pairs.empty:
        raise EvaluationError(
            "No customer bought a train item both before and after the split date; "
            "there is nobody to test on."
        )
    targets = {"all": {}, "discovery": {}}
    bought = matrix.tocsr()
    for user, group in pairs.groupby("u")["i"]:
        items_bought = np.sort(group.to_numpy())
        targets["all"][user] = items_bought
        new = items_bought[
            ~np.isin(items_bought, bought.indices[bought.indptr[user] : bought.indptr[user + 1]])
        ]
        if len(new):
            targets["discovery"][user] = new
    return Split(split_date, train, test, users, items, matrix, targets)


def interaction_matrix(rows, users, items):
    """users x items, value = the number of distinct invoices (customer, time) with the item."""
    invoices = rows.drop_duplicates(["user", "item", "timestamp"])
    u = users.get_indexer(invoices["user"])
    i = items.get_indexer(invoices["item"])
    keep = (u >= 0) & (i >= 0)
    matrix = sp.csr_matrix(
        (np.ones(int(keep.sum())), (u[keep], i[keep])), shape=(len(users), len(items))
    )
    matrix.sum_duplicates()
    return matrix
