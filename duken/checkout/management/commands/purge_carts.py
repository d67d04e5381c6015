from django.core.management.base import BaseCommand

from duken.checkout import services


class Command(BaseCommand):
    help = (
        "Delete anonymous carts nobody can reach any more (older than a session lives) and "
        "merged or ordered carts older than 30 days. Customers' open carts are kept. "
        "Safe to run at any time; run it daily (cron) together with `duken clearsessions`."
    )

    def handle(self, *args, **options):
        deleted = services.purge_stale_carts()
        self.stdout.write(
            f"Deleted {deleted['abandoned']} abandoned anonymous carts and "
            f"{deleted['spent']} spent carts."
        )
