"""``duken audit seal`` chains the entries written since the last run; ``duken audit verify``
seals, then checks the whole chain and says INTACT (exit status 0) or BROKEN with every edited,
missing or inserted entry (exit status 1), and warns (exit status 1) when the database's
append-only triggers are gone; ``duken audit install-triggers`` puts them back."""

import sys

from django.core.management.base import BaseCommand
from django.db import connection

from duken.core.audit import chain, triggers

MISSING_TRIGGERS = (
    "WARNING: the database's append-only triggers of the audit log are missing (a migration "
    "that rebuilt the table, or someone removed them): entries can be changed or deleted "
    "until `duken audit install-triggers` puts them back."
)


class Command(BaseCommand):
    help = (
        "The audit log's hash chain: 'seal' numbers and hashes the entries waiting; 'verify' "
        "seals, then checks every entry and exits with status 1 when one was edited, removed "
        "or inserted."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["seal", "verify", "install-triggers"])

    def handle(self, *args, what, **options):
        if what == "install-triggers":
            triggers.install(connection)
            self.stdout.write("The audit log's append-only triggers are in place.")
            return
        if what == "seal":
            sealed = chain.seal()
            top = chain.head()
            self.stdout.write(
                f"Sealed {sealed} entr{'y' if sealed == 1 else 'ies'}; the chain ends at "
                f"#{top.seq if top else 0}."
            )
            return
        report = chain.verify_and_remember()
        self.stdout.write(report.text())
        guarded = triggers.installed(connection)
        if not guarded:
            self.stdout.write(MISSING_TRIGGERS)
        if report.intact and guarded:
            return
        self.stdout.flush()
        sys.exit(1)
