import datetime as dt
import hashlib
import os
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict

from duken.catalog.models import Category, Product
from duken.catalog.search import search
from duken.customers.models import User
from duken.demo.importer import import_retail
from duken.orders.models import Order, OrderEvent, OrderLine

HEART = "WHITE HANGING HEART T-LIGHT HOLDER"
TEACUP = "PINK REGENCY TEACUP AND SAUCER"
JUMBO = "JUMBO BAG RED RETROSPOT"
LUNCH = "LUNCH BOX I LOVE LONDON"
NAN = float("nan")
SHIPPED_FILE = (
    Path(__file__).resolve().parents[3] / "data/online-retail/online_retail_until_2011-09.parquet"
)


def write_parquet(path, rows):
    df = pd.DataFrame(
        rows,
        columns=["Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"],
    )
    df["Quantity"] = df["Quantity"].astype("int32")
    df["InvoiceDate"] = pd.to_datetime(df["InvoiceDate"])
    df["UnitPrice"] = df["UnitPrice"].astype("float64")
    df["CustomerID"] = df["CustomerID"].astype("float64")
    df.to_parquet(path, index=False)
    return path


DIRTY_ROWS = [
    # customer 12345's first invoice: two products, one line scanned twice, postage, a free item
    (HEART, 6, "2011-01-10 10:00", 2.55, 12345, "United Kingdom"),
    (TEACUP, 4, "2011-01-10 10:00", 2.95, 12345, "United Kingdom"),
    (TEACUP, 4, "2011-01-10 10:00", 2.95, 12345, "United Kingdom"),
    ("POSTAGE", 1, "2011-01-10 10:00", 18.0, 12345, "United Kingdom"),
    (JUMBO, 10, "2011-01-10 10:00", 0.0, 12345, "United Kingdom"),
    ("Manual", 1, "2011-01-10 10:00", 50.0, 12345, "United Kingdom"),
    # customer 12345 sends back two hearts bought before: a return
    (HEART, -2, "2011-02-01 09:00", 2.55, 12345, "United Kingdom"),
    # customer 67890 buys, then a credit note for something never bought: a cancellation
    (JUMBO, 10, "2011-03-05 12:30", 1.65, 67890, "France"),
    (LUNCH, -3, "2011-03-06 12:30", 1.95, 67890, "France"),
    # guests: count for popularity and prices only
    (HEART, 100, "2011-04-01 15:00", 2.95, NAN, "United Kingdom"),
    ("damaged", -5, "2011-04-02 10:00", 0.0, NAN, "United Kingdom"),
    ("Dotcomgiftshop Gift Voucher £20.00", 1, "2011-04-02 11:00", 17.02, NAN, "United Kingdom"),
    (None, 7, "2011-04-03 10:00", 0.0, NAN, "United Kingdom"),
    ("?", -7, "2011-04-03 10:00", 0.0, NAN, "United Kingdom"),
]


@pytest.fixture
def dirty_file(tmp_path):
    return write_parquet(tmp_path / "retail.parquet", DIRTY_ROWS)


def snapshot():
    def rows(model):
        return sorted((model_to_dict(o) | {"pk": o.pk} for o in model.objects.all()), key=str)

    return {
        "products": [
            (p.pk, p.sku, p.slug, p.name, p.price, p.stock, p.popularity, p.updated_at)
            for p in Product.objects.order_by("pk")
        ],
        "categories": rows(Category),
        "users": rows(User),
        "orders": [
            (o.pk, o.number, o.status, o.total, o.updated_at) for o in Order.objects.order_by("pk")
        ],
        "lines": rows(OrderLine),
        "events": rows(OrderEvent),
    }


@pytest.mark.django_db
def test_import_creates_products_with_clean_names_prices_and_stable_skus(dirty_file, settings):
    # given
    settings.DUKEN_GBP_TO_KZT = 600

    # when
    report = import_retail(dirty_file)

    # then
    products = {p.source_name: p for p in Product.objects.all()}
    assert set(products) == {HEART, TEACUP, JUMBO, LUNCH}
    heart = products[HEART]
    assert heart.name == "White Hanging Heart T-Light Holder"
    assert heart.sku == "DK-" + hashlib.sha1(HEART.encode()).hexdigest()[:8].upper()
    assert heart.slug == "white-hanging-heart-t-light-holder"
    # median of the positive sale prices 2.55 and 2.95 = 2.75 GBP x 600 = 1650 KZT
    assert heart.price == Decimal("1650.00")
    assert products[JUMBO].price == Decimal("990.00")  # the free line does not count
    assert products[TEACUP].name == "Pink Regency Teacup And Saucer"
    # units sold, guests included, less the units sent back
    assert heart.popularity == 6 + 100 - 2
    assert products[TEACUP].popularity == 8
    assert products[LUNCH].popularity == 0
    assert heart.created_at == dt.datetime(2011, 1, 10, 10, 0, tzinfo=dt.UTC)
    assert heart.weight_grams > 0
    assert report.created["products"] == 4


@pytest.mark.django_db
def test_import_puts_every_product_in_a_category(dirty_file):
    # when
    import_retail(dirty_file)

    # then
    assert 20 <= Category.objects.count() <= 40
    for product in Product.objects.all():
        assert product.categories.filter(pk=product.primary_category_id).exists()
    heart = Product.objects.get(source_name=HEART)
    assert heart.primary_category.slug == "candles-lights"
    assert {"candles-lights", "hearts-love"} <= set(heart.categories.values_list("slug", flat=True))
    candles = Category.objects.get(slug="candles-lights")
    assert candles.product_count == candles.products.count() >= 1
    assert candles.name_ru and candles.name_kk


@pytest.mark.django_db
def test_import_creates_demo_customers_without_marketing_consent(dirty_file):
    # when
    import_retail(dirty_file)

    # then
    customers = {u.external_id: u for u in User.objects.all()}
    assert set(customers) == {"12345", "67890"}
    customer = customers["67890"]
    assert customer.email == "customer-67890@customers.duken.example"
    assert customer.is_demo and not customer.accepts_marketing
    assert not customer.has_usable_password()
    assert customer.country == "France"


@pytest.mark.django_db
def test_import_turns_invoices_into_orders_returns_and_cancellations(dirty_file):
    # when
    report = import_retail(dirty_file)

    # then
    orders = {o.external_ref: o for o in Order.objects.all()}
    assert set(orders) == {
        "retail:12345:2011-01-10T10:00:00",
        "retail:12345:2011-02-01T09:00:00",
        "retail:67890:2011-03-05T12:30:00",
        "retail:67890:2011-03-06T12:30:00",
    }
    sale = orders["retail:12345:2011-01-10T10:00:00"]
    assert sale.number == "R12345-1101101000"
    assert sale.status == "completed" and sale.source == "import"
    lines = {line.product.source_name: line for line in sale.lines.all()}
    assert set(lines) == {HEART, TEACUP}  # postage, the manual line and the free bag skipped
    assert lines[TEACUP].quantity == 8  # the line scanned twice adds up
    assert lines[TEACUP].unit_price == Decimal("1770.00")
    assert lines[HEART].line_total == Decimal("9180.00")
    assert sale.subtotal == sale.total == Decimal("9180.00") + Decimal("14160.00")
    assert sale.shipping_cost == 0
    assert sale.user.external_id == "12345"
    returned = orders["retail:12345:2011-02-01T09:00:00"]
    assert returned.status == "returned"
    assert [(line.quantity, line.line_total) for line in returned.lines.all()] == [
        (2, Decimal("3060.00"))
    ]
    assert orders["retail:67890:2011-03-06T12:30:00"].status == "cancelled"
    event = sale.events.get()
    assert event.to_status == "completed" and event.created_at == sale.placed_at
    assert OrderEvent.objects.count() == 4
    assert report.created["order lines"] == OrderLine.objects.count() == 5


@pytest.mark.django_db
def test_import_reports_skipped_rows_by_reason(dirty_file):
    # when
    report = import_retail(dirty_file)

    # then
    assert report.rows == len(DIRTY_ROWS)
    assert report.skipped == {
        "service line (postage, fees, adjustments)": 2,
        "price 0 or less": 1,
        "stock-keeping note": 1,
        "gift voucher": 1,
        "no description": 2,
    }
    assert report.imported_rows == len(DIRTY_ROWS) - 7


@pytest.mark.django_db
def test_second_import_changes_nothing(dirty_file):
    # given
    import_retail(dirty_file)
    before = snapshot()

    # when
    report = import_retail(dirty_file)

    # then
    assert not report.changed
    assert snapshot() == before


@pytest.mark.django_db
def test_import_adds_only_what_is_new(dirty_file, tmp_path):
    # given
    import_retail(dirty_file)
    more = DIRTY_ROWS + [(JUMBO, 5, "2011-05-01 10:00", 1.65, 24680, "Germany")]
    bigger = write_parquet(tmp_path / "more.parquet", more)

    # when
    report = import_retail(bigger)

    # then
    assert report.created["orders"] == 1 and report.created["customers"] == 1
    assert report.created["products"] == 0
    assert Order.objects.count() == 5


@pytest.mark.django_db
def test_imported_products_are_searchable(dirty_file):
    # when
    import_retail(dirty_file)

    # then
    result = search("regency teacup")
    assert [p.source_name for p in result.page.object_list] == [TEACUP]


@pytest.mark.django_db
def test_command_prints_counts(dirty_file, capsys):
    # when
    call_command("import_retail", str(dirty_file))

    # then
    out = capsys.readouterr().out
    assert "products: 4 created" in out
    assert "orders: 4 created" in out
    assert "service line (postage, fees, adjustments): 2" in out


@pytest.mark.django_db
def test_command_refuses_a_missing_file(tmp_path):
    # when / then
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_retail", str(tmp_path / "nothing.parquet"))
    assert Product.objects.count() == 0


@pytest.mark.django_db
def test_command_refuses_missing_columns(tmp_path):
    # given
    path = tmp_path / "partial.parquet"
    pd.DataFrame({"Description": [HEART], "Quantity": [1]}).to_parquet(path)

    # when / then
    with pytest.raises(CommandError, match="InvoiceDate, UnitPrice, CustomerID, Country"):
        call_command("import_retail", str(path))
    assert Product.objects.count() == 0 and Category.objects.count() == 0


@pytest.mark.django_db
def test_command_refuses_wrong_types(tmp_path):
    # given
    path = tmp_path / "wrong.parquet"
    pd.DataFrame(
        {
            "Description": [HEART],
            "Quantity": ["six"],
            "InvoiceDate": ["yesterday"],
            "UnitPrice": [2.55],
            "CustomerID": [12345.0],
            "Country": ["United Kingdom"],
        }
    ).to_parquet(path)

    # when / then
    with pytest.raises(CommandError, match="wrong type: Quantity .*InvoiceDate"):
        call_command("import_retail", str(path))
    assert Product.objects.count() == 0


@pytest.mark.django_db
def test_command_refuses_a_file_that_is_not_parquet(tmp_path):
    # given
    path = tmp_path / "notes.parquet"
    path.write_text("Description,Quantity\n")

    # when / then
    with pytest.raises(CommandError, match="not a readable parquet file"):
        call_command("import_retail", str(path))


@pytest.mark.django_db
@pytest.mark.skipif(
    not os.environ.get("DUKEN_TEST_FULL_IMPORT"), reason="set DUKEN_TEST_FULL_IMPORT=1 (slow)"
)
def test_full_shipped_file():
    # when
    report = import_retail(SHIPPED_FILE)

    # then
    assert 3500 < report.created["products"] < 3800
    assert 20 <= Category.objects.count() <= 40
    other = Category.objects.get(slug="other")
    assert other.products.count() < 0.02 * Product.objects.count()
    assert Product.objects.filter(stock=0).exists() and Product.objects.filter(stock__gt=0).exists()
    assert report.created["customers"] == User.objects.filter(is_demo=True).count() > 3000
    assert not import_retail(SHIPPED_FILE).changed
