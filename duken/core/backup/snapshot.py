"""What a backup records about its database (rows per table, applied migrations) and how a
restore tells whether the database it would replace holds any of the shop's data."""

from dataclasses import dataclass, field

from django.apps import apps

# Rows `migrate` and the worker make by themselves: a database holding only these is empty.
BOOKKEEPING = {
    ("contenttypes", "contenttype"),
    ("auth", "permission"),
    ("auth", "group"),
    ("auth", "group_permissions"),
    ("core", "schedule"),
    ("core", "workerheartbeat"),
    ("core", "auditchainhead"),
}


@dataclass
class Snapshot:
    tables: dict[str, int]  # rows per table
    migrations: dict[str, list[str]]  # applied migrations per app
    details: dict = field(default_factory=dict)  # engine and tool versions


def count_rows(cursor, tables, *, quote) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - quoted names
        counts[table] = cursor.fetchone()[0]
    return counts


def model_tables(*, bookkeeping: bool = False) -> dict[str, str]:
    """The table of every model of this Duken, with the model's label (``catalog.Product``),
    the bookkeeping ones only when asked for."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and (bookkeeping or (meta.app_label, meta.model_name) not in BOOKKEEPING):
            tables[meta.db_table] = meta.label
    return tables


def shop_rows(connection) -> dict[str, int]:
    """Rows per model in the database of ``connection`` (only models that have some), leaving
    out what `migrate` and the worker make by themselves."""
    present = set(connection.introspection.table_names())
    rows = {}
    with connection.cursor() as cursor:
        for table, label in sorted(model_tables().items()):
            if table in present:
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608 - quoted name
                count = cursor.fetchone()[0]
                if count:
                    rows[label] = count
    return rows
