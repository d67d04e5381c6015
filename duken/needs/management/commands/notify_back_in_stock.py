"""``duken notify-back-in-stock``: answer every back-in-stock request whose product is in stock
again. Stock changed through the shop's code answers them by itself; this sweep covers changes
made around it (a bulk SQL update). Safe to run any number of times: nobody is told twice."""

from django.core.management.base import BaseCommand

from duken.needs.services import notify_all_waiting


class Command(BaseCommand):
    help = "Tell customers waiting for a product that is back in stock (once each)."

    def handle(self, *args, **options):
        answered = notify_all_waiting()
        self.stdout.write(f"{answered} back-in-stock request(s) answered.")
