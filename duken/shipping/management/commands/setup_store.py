from django.core.management.base import BaseCommand

from duken.shipping.setup import setup_store


class Command(BaseCommand):
    help = (
        "Set up delivery for Kazakhstan: zones (the three cities of republican significance, "
        "the 17 regions, the rest of the country, international), delivery methods with "
        "their rates in tenge, and pickup points. Only adds what is missing, so a second run "
        "changes nothing and staff edits are kept. Payment methods come from the "
        "DUKEN_PAYMENT_PROVIDERS setting and need no set-up."
    )

    def handle(self, *args, **options):
        created = setup_store()
        if options["verbosity"] >= 1:
            if any(created.values()):
                summary = ", ".join(f"{count} {kind}" for kind, count in created.items())
                self.stdout.write(f"Store set up: created {summary}.")
            else:
                self.stdout.write("Store set-up is complete; nothing to add.")
