"""``duken setup_store``: what a new shop needs before its first order, from the apps below
(delivery from ``shipping``, the staff roles from ``customers``); here, above both."""

from django.core.management.base import BaseCommand, CommandError

from duken.customers.groups import ensure_staff_groups
from duken.shipping.setup import DEFAULT_FILE, SetupFileError, setup_store


class Command(BaseCommand):
    help = (
        "Set up delivery from a data file: zones, delivery methods with their rates, and "
        "pickup points. The shipped file (duken/shipping/data/kazakhstan.json) covers "
        "Kazakhstan: the three cities of republican significance, the 17 regions, the rest of "
        "the country and international, in tenge; --file reads another file of that shape. "
        "Only adds what is missing, so a second run changes nothing and staff edits are kept. "
        "Payment methods come from the DUKEN_PAYMENT_PROVIDERS setting and need no set-up. "
        "It also creates (or completes) the staff roles' groups: Owner, Manager, Support, "
        "Marketer, Order handlers and Catalog editors."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEFAULT_FILE), help="the set-up data file")

    def handle(self, *args, file, **options):
        try:
            created = setup_store(file)
        except SetupFileError as exc:
            raise CommandError(str(exc)) from None
        if options["verbosity"] >= 1:
            if any(created.values()):
                summary = ", ".join(f"{count} {kind}" for kind, count in created.items())
                self.stdout.write(f"Store set up: created {summary}.")
            else:
                self.stdout.write("Store set-up is complete; nothing to add.")
        roles = ensure_staff_groups()
        if options["verbosity"] >= 1:
            if roles:
                self.stdout.write(f"Staff roles created: {', '.join(roles)}.")
            else:
                self.stdout.write("Staff roles are complete.")
