"""How big and how slow is a customer's data export? Picks the customer with the most orders
(then the most interactions) in the current database, runs the worker's real task
(``duken.privacy.tasks.build_data_export``) for them and prints

    N orders, M interactions -> zip X KB in Y s

Run it on the demo database (``duken demo --no-serve`` first):

    DUKEN_VAR_DIR=var python bench/privacy_export.py [--add-events N] [--json]

``--add-events N`` first gives the customer N synthetic page views (the demo's imported history
has orders but no interaction log). Everything it writes (the export row, the events, the
e-mail) is rolled back and the zip deleted at the end, so the database is left as it was.
With ``--json`` it prints one line with ``export_bytes``, ``export_seconds``, ``orders`` and
``interactions``.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--add-events", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duken.settings")
    os.environ.setdefault("DUKEN_TASKS_IMMEDIATE", "1")
    import django

    django.setup()
    from django.db import transaction
    from django.db.models import Count, Q

    from duken.customers.models import User
    from duken.interactions.models import Event, Kind
    from duken.privacy import export
    from duken.privacy.models import DataExport
    from duken.privacy.tasks import build_data_export

    customer = (
        User.objects.filter(is_active=True)
        .annotate(n_orders=Count("orders", distinct=True))
        .order_by("-n_orders", "pk")
        .first()
    )
    if customer is None:
        parser.error("no customer in this database: run `duken demo --no-serve` first")
    result = {}
    with transaction.atomic():
        if args.add_events:
            Event.objects.bulk_create(
                (
                    Event(
                        user=customer,
                        visitor_id="bench",
                        kind=Kind.PAGE_VIEW,
                        properties={"path": f"/p/{i}/"},
                    )
                    for i in range(args.add_events)
                ),
                batch_size=2000,
            )
        visitor_ids = export.visitor_ids_of(customer)
        mine = Q(user=customer) | Q(user__isnull=True, visitor_id__in=visitor_ids)
        interactions = Event.objects.filter(mine).count()
        made = DataExport.objects.create(user=customer, language="en")
        started = time.perf_counter()
        build_data_export.call(made.pk)
        seconds = time.perf_counter() - started
        made.refresh_from_db()
        result = {
            "customer": customer.email,
            "orders": customer.n_orders,
            "interactions": interactions,
            "export_bytes": made.size,
            "export_seconds": round(seconds, 3),
        }
        export.delete_files([made])
        transaction.set_rollback(True)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['orders']} orders, {result['interactions']} interactions -> zip "
            f"{result['export_bytes'] / 1024:.0f} KB in {result['export_seconds']:.2f} s "
            f"({result['customer']})"
        )


if __name__ == "__main__":
    main()
