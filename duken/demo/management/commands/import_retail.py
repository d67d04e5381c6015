"""``duken import-retail PATH``: load the Online Retail parquet file (see duken/demo/importer.py)."""

import time

from django.core.management.base import BaseCommand, CommandError

from duken.demo.importer import RetailImportError, import_retail


class Command(BaseCommand):
    help = (
        "Import the Online Retail data set (parquet): products, categories, demo customers and "
        "their order history. Idempotent: existing rows are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the parquet file, e.g. data/online-retail/*.parquet")

    def handle(self, *args, path, **options):
        started = time.monotonic()
        try:
            report = import_retail(path)
        except RetailImportError as exc:
            raise CommandError(f"{str(exc).rstrip('.')}. Nothing was imported.") from None
        elapsed = time.monotonic() - started
        out = self.stdout
        out.write(f"Read {report.rows} rows; {report.imported_rows} are product sales.")
        for what in ("categories", "products", "customers", "orders", "order lines"):
            total = report.totals.get(what)
            suffix = f" (now {total})" if total is not None else ""
            out.write(f"  {what}: {report.created.get(what, 0)} created{suffix}")
        if report.skipped:
            out.write(f"Skipped {sum(report.skipped.values())} rows:")
            for reason, count in report.skipped.most_common():
                out.write(f"  {reason}: {count}")
        verdict = "Imported" if report.changed else "Nothing new: the database already held it"
        out.write(self.style.SUCCESS(f"{verdict} in {elapsed:.1f} s."))
