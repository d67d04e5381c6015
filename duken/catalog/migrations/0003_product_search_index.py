"""The full-text index behind catalog.search: an FTS5 table on SQLite, a tsvector table with a
GIN index on PostgreSQL. Other databases search without an index."""

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_product_fts USING fts5("
    "name, keywords, tokenize = 'porter unicode61 remove_diacritics 2')"
)
POSTGRES_CREATE = [
    "CREATE TABLE IF NOT EXISTS catalog_product_fts ("
    # No foreign key: the test runner and ``flush`` truncate Django's tables without CASCADE,
    # which a reference from this table would block. Rows of deleted products are removed by
    # catalog.search.reindex_products, and searches join to the product table anyway.
    " product_id bigint PRIMARY KEY,"
    " document tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS catalog_product_fts_document ON catalog_product_fts"
    " USING GIN (document)",
]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        for statement in POSTGRES_CREATE:
            schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor in ("sqlite", "postgresql"):
        schema_editor.execute("DROP TABLE IF EXISTS catalog_product_fts")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
