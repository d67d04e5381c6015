"""``duken audit seal`` chains the entries written since the last run; ``duken audit verify``
seals, then checks the whole chain and says INTACT (exit status 0) or BROKEN with every edited,
missing or inserted entry (exit status 1)."""

import sys

from django.core.management.base import BaseCommand

from duken.core.audit import chain


class Command(BaseCommand):
    help = (
        "The audit log's hash chain: 'seal' numbers and hashes the entries waiting; 'verify' "
        "seals, then checks every entry and exits with status 1 when one was edited, removed "
        "or inserted."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["seal", "verify"])

    def handle(self, *args, what, **options):
        if what == "seal":
            sealed = chain.seal()
            top = chain.head()
            self.stdout.write(
                f"Sealed {sealed} entr{'y' if sealed == 1 else 'ies'}; the chain ends at "
                f"#{top.seq if top else 0}."
            )
            return
        report = chain.verify_and_remember()
        if report.intact:
            self.stdout.write(report.text())
            return
        self.stdout.write(report.text())
        self.stdout.flush()
        sys.exit(1)
