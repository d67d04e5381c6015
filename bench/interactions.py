"""What recording interactions adds to a page: product pages rendered in-process with the Django
test client, as a returning visitor, in four set-ups:

- ``baseline``: the interaction middleware removed;
- ``no consent``: the middleware on, the visitor declined analytics (nothing is recorded);
- ``batched``: analytics granted, events buffered and written 100 at a time (the default);
- ``insert per request``: analytics granted, each event written by one INSERT at request end.

The set-ups take turns in rounds (each round led by another) so drift on a shared machine hits all of them alike. Prints
the median and mean milliseconds per page and what each adds over the baseline.

    python bench/interactions.py [--requests 2000] [--rounds 5]

Uses a throw-away SQLite database in a temporary directory.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup():
    os.environ.setdefault("DUKEN_VAR_DIR", tempfile.mkdtemp(prefix="duken-bench-"))
    os.environ.setdefault("DUKEN_REQUEST_LOG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duken.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.conf import settings
    from django.test.utils import override_settings

    # Pages render without a collectstatic run (the manifest exists only after it).
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=storages).enable()


def catalog(count=200):
    from django.utils import timezone

    from duken.catalog.models import Category, Product

    now = timezone.now()
    category = Category.objects.create(name="Kitchen", slug="kitchen")
    products = Product.objects.bulk_create(
        Product(
            name=f"Enamel mug {n}",
            slug=f"enamel-mug-{n}",
            sku=f"MUG-{n}",
            price=Decimal("1990"),
            stock=50,
            primary_category=category,
            created_at=now,
        )
        for n in range(count)
    )
    for product in products:
        product.categories.add(category)
    from django.urls import reverse

    return [reverse("storefront:product", args=[p.slug]) for p in products]


def client_for(analytics: bool | None):
    from django.http import HttpResponse
    from django.test import Client

    from duken.privacy import services as privacy

    client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64)")
    if analytics is not None:
        response = HttpResponse()
        privacy.set_cookie(response, {"analytics": analytics})
        client.cookies[privacy.COOKIE_NAME] = response.cookies[privacy.COOKIE_NAME].value
    return client


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per set-up, over all rounds")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    setup()

    from django.conf import settings
    from django.test.utils import override_settings

    from duken.interactions import buffer
    from duken.interactions.models import Event

    urls = catalog()
    without = [m for m in settings.MIDDLEWARE if "interactions" not in m]
    setups = {
        "baseline": ({"MIDDLEWARE": without}, None),
        "no consent": ({}, False),
        "batched": ({"INTERACTIONS_BUFFER_SIZE": 100}, True),
        "insert per request": ({"INTERACTIONS_BUFFER_SIZE": 1}, True),
    }
    clients = {}
    for name, (overrides, analytics) in setups.items():
        with override_settings(**overrides):
            clients[name] = client_for(analytics)
            for url in urls:  # warm the caches and the visitor cookie
                assert clients[name].get(url).status_code == 200
    buffer.flush()
    Event.objects.all().delete()

    timings = {name: [] for name in setups}
    per_round = max(1, args.requests // args.rounds)
    names = list(setups)
    for turn in range(args.rounds):
        # Each round starts with another set-up, so none always runs first (or last).
        for name in names[turn % len(names) :] + names[: turn % len(names)]:
            overrides = setups[name][0]
            client = clients[name]
            with override_settings(**overrides):
                for i in range(per_round):
                    url = urls[i % len(urls)]
                    started = time.perf_counter()
                    client.get(url)
                    timings[name].append((time.perf_counter() - started) * 1000)
            buffer.flush()

    base_median = statistics.median(timings["baseline"])
    base_mean = statistics.fmean(timings["baseline"])
    print(f"Product page, {per_round * args.rounds} requests per set-up, in-process (ms):")
    print(f"{'set-up':<20} {'median':>8} {'mean':>8} {'+median':>8} {'+mean':>8}")
    for name, values in timings.items():
        median, mean = statistics.median(values), statistics.fmean(values)
        print(
            f"{name:<20} {median:8.3f} {mean:8.3f} "
            f"{median - base_median:+8.3f} {mean - base_mean:+8.3f}"
        )
    print(f"events written: {Event.objects.count()}")


if __name__ == "__main__":
    main()
