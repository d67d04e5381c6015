"""The Online Retail importer: the demo store's catalog, customers and order history.

``import_retail(path)`` reads the parquet file, keeps the rows that are real product sales
(see ``duken.catalog.retail`` for the description rules; rows with a unit price of 0 or less
are skipped) and, inside one transaction, creates what does not exist yet:

* **Products**, one per distinct product description, identified by ``source_name`` (the
  normalized description) with the SKU "DK-" + 8 hex digits of its SHA-1. Price: the median
  positive unit price of its sales × ``settings.DUKEN_GBP_TO_KZT``, rounded half up to 10 tenge.
  ``created_at``: its first sale, so "new" means recently introduced. ``popularity``: units
  sold less units credited back (guest sales included). Stock: the units sold in the data set's
  last 8 weeks, per week, times a cover of 2-6 weeks (chosen by the SKU, so it is
  deterministic); of the products with no sale in those 8 weeks, a third (by SKU) are sold out
  and the others have 1-12 units left. Weight: estimated from its main category and size words.
* **Categories** from ``duken.catalog.categories`` (every product in each matching category;
  "Other" only when none matches).
* **Customers**, one per CustomerID: ``customer-<id>@customers.duken.example``, marked demo, with
  their most frequent country, an unusable password and no marketing consent.
* **Orders**, one per CustomerID + InvoiceDate (``external_ref`` "retail:<id>:<time>", number
  "R<id>-<yymmddHHMM>"), source "import", delivery 0, one line per product and unit price
  (duplicated rows add up). An invoice of sales is *completed*. An invoice of negative
  quantities (a credit note) becomes *returned* when the customer had bought one of its
  products before, *cancelled* otherwise; its lines carry the absolute quantities. The negative
  lines of an invoice that also sells are skipped (reported). Each order gets one timeline
  event with its final status at the invoice time. Guest rows count towards prices and
  popularity only.

Existing rows are never modified, so a second run of the same file changes nothing. Invoice
times are UK local time (Europe/London).
"""

import math
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction

from duken.catalog.models import Category, Product
from duken.catalog.search import index_size, rebuild_search_index
from duken.catalog.services import refresh_category_counts

from . import categories as category_rules
from . import retail
from .importer_orders import BATCH, _py, import_customers_and_orders

REQUIRED_COLUMNS = ("Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country")
STOCK_WINDOW_DAYS = 56
SOURCE_TZ = "Europe/London"
ZERO_QUANTITY = "quantity 0"


class RetailImportError(Exception):
    """The file cannot be imported; nothing was changed."""


@dataclass
class ImportReport:
    rows: int = 0
    imported_rows: int = 0
    skipped: Counter = field(default_factory=Counter)
    created: Counter = field(default_factory=Counter)
    totals: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return any(self.created.values())


def _check_type(name, arrow_type):
    checks = {
        "Description": pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type),
        "Country": pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type),
        "Quantity": pa.types.is_integer(arrow_type),
        "InvoiceDate": pa.types.is_timestamp(arrow_type),
        "UnitPrice": pa.types.is_floating(arrow_type)
        or pa.types.is_integer(arrow_type)
        or pa.types.is_decimal(arrow_type),
        "CustomerID": pa.types.is_floating(arrow_type)
        or pa.types.is_integer(arrow_type)
        or pa.types.is_null(arrow_type),
    }
    return checks[name]


def read_rows(path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise RetailImportError(f"no such file: {path}")
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise RetailImportError(f"{path} is not a readable parquet file: {exc}") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in schema.names]
    if missing:
        raise RetailImportError(f"{path} lacks the columns: {', '.join(missing)}")
    wrong = [
        f"{c} ({schema.field(c).type})"
        for c in REQUIRED_COLUMNS
        if not _check_type(c, schema.field(c).type)
    ]
    if wrong:
        raise RetailImportError(f"{path} has columns of the wrong type: {', '.join(wrong)}")
    try:
        table = pq.read_table(path, columns=list(REQUIRED_COLUMNS))
    except (pa.ArrowException, OSError) as exc:
        raise RetailImportError(f"cannot read {path}: {exc}") from None
    df = table.to_pandas()
    df["UnitPrice"] = df["UnitPrice"].astype("float64")
    df["CustomerID"] = pd.to_numeric(df["CustomerID"], errors="coerce").astype("float64")
    return df


def _round_price(median_gbp: float, rate: int) -> Decimal:
    kzt = Decimal(repr(float(median_gbp))) * rate
    tens = (kzt / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(Decimal(10), tens * 10).quantize(Decimal("0.01"))


def _aware(series: pd.Series) -> pd.Series:
    """Naive UK invoice times as UTC instants (DST gaps move forward, repeats take winter)."""
    local = series.dt.tz_localize(SOURCE_TZ, ambiguous=False, nonexistent="shift_forward")
    return local.dt.tz_convert("UTC")


def import_retail(path, *, stdout=None) -> ImportReport:
    df = read_rows(path)
    report = ImportReport(rows=len(df))
    rate = int(settings.DUKEN_GBP_TO_KZT)

    # --- which rows are product sales -------------------------------------------------
    descriptions = df["Description"]
    unique = descriptions.dropna().unique()
    reasons = {d: retail.skip_reason(d) for d in unique}
    keys = {d: retail.product_key(d) for d in unique if reasons[d] is None}
    reason = descriptions.map(reasons).where(descriptions.notna(), retail.NO_DESCRIPTION)
    reason = reason.where(reason.notna() | (df["UnitPrice"] > 0), retail.NO_PRICE)
    reason = reason.where(reason.notna() | (df["Quantity"] != 0), ZERO_QUANTITY)
    reason = reason.where(reason.notna() | df["InvoiceDate"].notna(), "no invoice date")
    report.skipped.update(reason.dropna().value_counts().to_dict())
    rows = df[reason.isna()].copy()
    rows["key"] = rows["Description"].map(keys)
    rows["at"] = _aware(rows["InvoiceDate"])
    report.imported_rows = len(rows)
    if rows.empty:
        raise RetailImportError("the file holds no product sales to import")

    with transaction.atomic():
        product_ids = _import_categories_and_products(rows, rate, report)
        import_customers_and_orders(rows, rate, product_ids, report)
        refresh_category_counts()
        if report.created["products"] or index_size() != report.totals["products"]:
            rebuild_search_index()
    return report


# --- products -------------------------------------------------------------------------------


def _import_categories_and_products(rows, rate, report) -> dict[str, tuple[int, str, str]]:
    existing_categories = dict(Category.objects.values_list("slug", "pk"))
    new_categories = [
        Category(
            slug=rule.slug,
            name=rule.name,
            name_ru=rule.name_ru,
            name_kk=rule.name_kk,
            position=(index + 1) * 10,
        )
        for index, rule in enumerate(category_rules.ALL_CATEGORIES)
        if rule.slug not in existing_categories
    ]
    Category.objects.bulk_create(new_categories, batch_size=BATCH)
    report.created["categories"] = len(new_categories)
    category_ids = dict(Category.objects.values_list("slug", "pk"))
    report.totals["categories"] = len(category_ids)

    sales = rows[rows["Quantity"] > 0]
    end = rows["at"].max()
    recent = sales[sales["at"] > end - pd.Timedelta(days=STOCK_WINDOW_DAYS)]
    stats = pd.DataFrame(
        {
            "median_price": sales.groupby("key")["UnitPrice"].median(),
            "first_sale": sales.groupby("key")["at"].min(),
            "units": rows.groupby("key")["Quantity"].sum().clip(lower=0),
            "recent_units": recent.groupby("key")["Quantity"].sum(),
        }
    )
    # Products only ever seen in cancellations still exist; they are priced from those rows.
    anyrow = rows.groupby("key").agg(price=("UnitPrice", "median"), first=("at", "min"))
    stats = stats.reindex(anyrow.index)
    stats["median_price"] = stats["median_price"].fillna(anyrow["price"])
    stats["first_sale"] = stats["first_sale"].fillna(anyrow["first"])
    stats[["units", "recent_units"]] = stats[["units", "recent_units"]].fillna(0)

    existing = dict(Product.objects.values_list("source_name", "pk"))
    used_slugs = set(Product.objects.values_list("slug", flat=True))
    used_skus = set(Product.objects.values_list("sku", flat=True))
    new_products, memberships = [], []
    for key in sorted(stats.index):
        if key in existing:
            continue
        row = stats.loc[key]
        sku = retail.make_sku(key)
        if sku in used_skus:  # a hash collision: extend the hash until it is unique
            sku = "DK-" + retail.make_sku(key + "#")[3:] + retail.make_sku(key)[3:7]
        used_skus.add(sku)
        name = retail.clean_name(key)
        slug = retail.make_slug(name)
        if slug in used_slugs:
            slug = f"{slug[:110]}-{sku[3:].lower()}"
        used_slugs.add(slug)
        rules = category_rules.classify(key)
        weekly = float(row["recent_units"]) / (STOCK_WINDOW_DAYS / 7)
        cover_weeks = 2 + int(sku[3:], 16) % 5
        if weekly > 0:
            stock = min(9999, math.ceil(weekly * cover_weeks))
        else:  # not sold lately: a third sold out, the rest a few units left on the shelf
            stock = 0 if int(sku[3:], 16) % 3 == 0 else 1 + int(sku[3:], 16) % 12
        new_products.append(
            Product(
                sku=sku,
                slug=slug,
                name=name,
                source_name=key[:200],
                primary_category_id=category_ids[rules[0].slug],
                price=_round_price(row["median_price"], rate),
                weight_grams=category_rules.estimate_weight(key, rules),
                stock=stock,
                popularity=int(min(row["units"], 2_000_000_000)),
                created_at=_py(row["first_sale"]),
            )
        )
        memberships.append((sku, [category_ids[rule.slug] for rule in rules]))
    Product.objects.bulk_create(new_products, batch_size=BATCH)
    report.created["products"] = len(new_products)

    by_key = {
        source: (pk, sku, name)
        for source, pk, sku, name in Product.objects.values_list("source_name", "pk", "sku", "name")
    }
    if memberships:
        pk_by_sku = {sku: pk for pk, sku, _ in by_key.values()}
        through = Product.categories.through
        through.objects.bulk_create(
            [
                through(product_id=pk_by_sku[sku], category_id=category_id)
                for sku, category_ids_ in memberships
                for category_id in category_ids_
            ],
            batch_size=BATCH,
        )
    report.totals["products"] = Product.objects.filter(is_active=True).count()
    return by_key
