"""The Online Retail importer's second half: one demo customer per CustomerID and their order
history (one order per customer and invoice time; credit notes become returned or cancelled
orders), written in large batches (see ``importer`` for the rules and the first half)."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import connection

from duken.customers.models import DEMO_EMAIL_DOMAIN, User
from duken.orders.models import Order, OrderEvent, OrderLine, OrderStatus

BATCH = 2000
EVENT_NOTE = "Imported from the sales history."
RETURN_IN_SALE = "return line inside a sales invoice"


def _py(ts):
    return ts.to_pydatetime()


def import_customers_and_orders(rows, rate, products, report) -> None:
    known = rows[rows["CustomerID"].notna()].copy()
    if known.empty:
        return
    known["cid"] = known["CustomerID"].round().astype("int64").astype(str)

    # Customers: most frequent country, first invoice as the date joined.
    first_seen = known.groupby("cid")["at"].min()
    country = (
        known.groupby(["cid", "Country"])
        .size()
        .reset_index(name="n")
        .sort_values(["cid", "n", "Country"], ascending=[True, False, True])
        .drop_duplicates("cid")
        .set_index("cid")["Country"]
    )
    existing_users = set(
        User.objects.filter(is_demo=True, external_id__in=list(first_seen.index)).values_list(
            "external_id", flat=True
        )
    )
    taken_emails = set(
        User.objects.filter(email__endswith="@" + DEMO_EMAIL_DOMAIN).values_list("email", flat=True)
    )
    new_users = []
    for cid in sorted(first_seen.index, key=int):
        email = f"customer-{cid}@{DEMO_EMAIL_DOMAIN}"
        if cid in existing_users or email in taken_emails:
            continue
        new_users.append(
            User(
                email=email,
                password="!" + secrets.token_urlsafe(30),  # unusable: demo customers never log in
                country=str(country.get(cid) or "")[:64],
                external_id=cid,
                is_demo=True,
                accepts_marketing=False,
                date_joined=_py(first_seen[cid]),
            )
        )
    User.objects.bulk_create(new_users, batch_size=BATCH)
    report.created["customers"] = len(new_users)
    users = dict(
        User.objects.filter(email__endswith="@" + DEMO_EMAIL_DOMAIN).values_list("email", "pk")
    )
    report.totals["customers"] = User.objects.filter(is_demo=True).count()

    # Invoices: a sale (any positive line) or a credit note (only negative lines).
    known["ref"] = (
        "retail:" + known["cid"] + ":" + known["InvoiceDate"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    )
    is_sale = known.groupby("ref")["Quantity"].transform("max") > 0
    return_in_sale = is_sale & (known["Quantity"] < 0)
    if return_in_sale.any():
        report.skipped[RETURN_IN_SALE] += int(return_in_sale.sum())
    known = known[~return_in_sale]

    # A credit note is a return when the customer bought one of its products earlier.
    first_bought = (
        known[known["Quantity"] > 0].groupby(["cid", "key"])["at"].min().rename("first_bought")
    )
    known = known.join(first_bought, on=["cid", "key"])
    known["was_bought"] = known["first_bought"].notna() & (known["first_bought"] < known["at"])
    invoice = known.groupby("ref").agg(
        cid=("cid", "first"),
        at=("at", "first"),
        local=("InvoiceDate", "first"),
        sale=("Quantity", "max"),
        returned=("was_bought", "any"),
    )
    existing_refs = set(
        Order.objects.filter(external_ref__startswith="retail:").values_list(
            "external_ref", flat=True
        )
    )
    invoice = invoice[~invoice.index.isin(existing_refs)]

    # Lines: one per product and unit price; amounts in tiyn (integers) so totals are exact.
    known = known[known["ref"].isin(invoice.index)]
    known["units"] = known["Quantity"].abs().astype("int64")
    known["unit_tiyn"] = (known["UnitPrice"] * rate * 100).round().astype("int64")
    lines = known.groupby(["ref", "key", "unit_tiyn"], sort=True)["units"].sum().reset_index()
    lines["total_tiyn"] = lines["unit_tiyn"] * lines["units"]
    subtotal = lines.groupby("ref")["total_tiyn"].sum()

    has_paid_at = any(f.name == "paid_at" for f in Order._meta.get_fields())
    cent = Decimal("0.01")
    new_orders = []
    for ref, row in invoice.iterrows():
        if row["sale"] > 0:
            status = OrderStatus.COMPLETED
        else:
            status = OrderStatus.RETURNED if row["returned"] else OrderStatus.CANCELLED
        email = f"customer-{row['cid']}@{DEMO_EMAIL_DOMAIN}"
        amount = Decimal(int(subtotal[ref])) * cent
        placed_at = _py(row["at"])
        order = Order(
            number=f"R{row['cid']}-{row['local']:%y%m%d%H%M}",
            user_id=users.get(email),
            email=email,
            status=status,
            source=Order.Source.IMPORT,
            currency=settings.DUKEN_CURRENCY,
            subtotal=amount,
            shipping_cost=Decimal("0.00"),
            total=amount,
            ship_country=str(country.get(row["cid"]) or "")[:64],
            external_ref=ref,
            placed_at=placed_at,
        )
        if has_paid_at and status != OrderStatus.CANCELLED:
            order.paid_at = placed_at
        new_orders.append(order)
    Order.objects.bulk_create(new_orders, batch_size=BATCH)
    report.created["orders"] = len(new_orders)
    if not new_orders:
        report.totals["orders"] = Order.objects.filter(source=Order.Source.IMPORT).count()
        return
    order_ids = dict(
        Order.objects.filter(external_ref__in=list(invoice.index)).values_list("external_ref", "pk")
    )

    line_rows = []
    for ref, key, unit_tiyn, units, total_tiyn in lines.itertuples(index=False, name=None):
        product_id, sku, name = products[key]
        line_rows.append(
            {
                "order_id": order_ids[ref],
                "product_id": product_id,
                "product_name": name,
                "sku": sku,
                "unit_price": Decimal(int(unit_tiyn)) * cent,
                "quantity": int(units),
                "line_total": Decimal(int(total_tiyn)) * cent,
            }
        )
    report.created["order lines"] = insert_rows(OrderLine, line_rows)
    insert_rows(
        OrderEvent,
        [
            {
                "order_id": order_ids[order.external_ref],
                "from_status": "",
                "to_status": order.status,
                "note": EVENT_NOTE,
                "created_at": order.placed_at,
            }
            for order in new_orders
        ],
    )
    report.created["order events"] = len(new_orders)
    report.totals["orders"] = Order.objects.filter(source=Order.Source.IMPORT).count()


def insert_rows(model, rows: list[dict]) -> int:
    """Insert plain rows with one prepared statement per batch. Order lines are the bulk of
    the data set (over 200,000 rows), and building a model instance for each one costs most
    of an ORM bulk_create; these rows need no per-instance logic. Columns a row leaves out
    get the field's default, so fields added to the model later are filled too."""
    if not rows:
        return 0
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {
        f.attname: f.get_db_prep_save(f.get_default(), connection)
        for f in fields
        if f.attname not in rows[0]
    }
    # Dates go through the field so each backend stores them its own way (SQLite: naive UTC
    # text); strings, numbers and Decimals the drivers take as they are.
    dated = {
        f.attname
        for f in fields
        if f.get_internal_type() in ("DateTimeField", "DateField", "TimeField")
    }
    for row in rows:
        for attname in dated.intersection(row):
            row[attname] = model._meta.get_field(attname).get_db_prep_save(row[attname], connection)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH * 5):
            batch = rows[start : start + BATCH * 5]
            cursor.executemany(
                sql,
                [
                    tuple(
                        row[f.attname] if f.attname in row else defaults[f.attname] for f in fields
                    )
                    for row in batch
                ],
            )
    return len(rows)
