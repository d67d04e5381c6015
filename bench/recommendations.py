"""What the recommendation widgets add to a product page and a home page, in-process, on the
imported demo catalog (Online Retail: ~3.6k products, ~13.5k orders) after a full retrain.

Two measurements:

- the widgets alone: the page hook's template (``recommendations/_product.html``,
  ``_home.html``) rendered with a real request, per product and per customer, first with cold
  recommendation caches and then warm; p50 / p99 / max in milliseconds;
- whole pages through the Django test client with the widgets and with empty hooks, in
  alternating rounds so drift on a shared machine hits both alike; p50 / p99 and what the
  widgets add.

Home pages are measured for customers who allow personalization ("For you", "Recently
viewed") and for anonymous visitors (non-personal).

    python bench/recommendations.py [--products 400] [--customers 150] [--rounds 4]

Uses a throw-away SQLite database in a temporary directory (the import takes about 7 s, the
full retrain about a minute); ``--var DIR`` reuses a directory that already holds an imported
catalog.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "data" / "online-retail" / "online_retail_until_2011-09.parquet"


def setup(var_dir):
    os.environ["DUKEN_VAR_DIR"] = var_dir or tempfile.mkdtemp(prefix="duken-bench-recs-")
    os.environ.setdefault("DUKEN_REQUEST_LOG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duken.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    override_settings(
        ALLOWED_HOSTS=["*"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()
    from duken.catalog.models import Product

    if not Product.objects.exists():
        started = time.perf_counter()
        call_command("setup_store", verbosity=0)
        call_command("import_retail", str(DATA), verbosity=0)
        print(f"Imported the demo catalog in {time.perf_counter() - started:.1f} s")
    from duken.recommendations.training import train

    run = train()
    print(f"Full retrain: {run.seconds:.1f} s ({run.products} products, {run.customers} customers)")


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def line(label, values):
    return (
        f"{label:<44} {statistics.median(values):>7.2f} {percentile(values, 0.99):>7.2f}"
        f" {max(values):>7.2f} {len(values):>6}"
    )


def customers_with_consent(count):
    from duken.privacy import services as privacy
    from duken.privacy.models import Purpose, Source
    from duken.recommendations.models import CustomerRecommendations
    from duken.testing.factories import session_request

    users = [
        row.user for row in CustomerRecommendations.objects.select_related("user")[: count * 3]
    ]
    users = random.Random(7).sample(users, min(count, len(users)))
    for user in users:
        privacy.grant(session_request(user), [Purpose.PERSONALIZATION], source=Source.ACCOUNT_PAGE)
    return users


def widget_timings(products, users):
    """The hooks' templates alone, cold then warm, per product and per customer."""
    from django.contrib.auth.models import AnonymousUser
    from django.core.cache import cache
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from duken.testing.factories import session_request

    factory = RequestFactory()
    cache.clear()
    results = {}
    for phase in ("cold", "warm"):
        product_times = []
        for product in products:
            request = factory.get(product.get_absolute_url())
            request.user = AnonymousUser()
            started = time.perf_counter()
            html = render_to_string(
                "recommendations/_product.html", {"product": product}, request=request
            )
            product_times.append((time.perf_counter() - started) * 1000)
            assert "data-recs" in html
        home_times = []
        for user in users:
            request = session_request(user)
            started = time.perf_counter()
            html = render_to_string("recommendations/_home.html", {}, request=request)
            home_times.append((time.perf_counter() - started) * 1000)
            assert 'data-recs="for-you"' in html
        results[phase] = (product_times, home_times)
    return results


def page_timings(products, users, rounds):
    """Whole pages with the widgets and with empty hooks, alternating."""
    from django.test import Client
    from django.test.utils import override_settings

    empty = Path(tempfile.mkdtemp(prefix="duken-bench-hooks-")) / "recommendations"
    empty.mkdir()
    for name in ("_product.html", "_home.html", "_cart.html", "_confirmation.html"):
        (empty / name).write_text("")
    from django.conf import settings

    templates = [dict(settings.TEMPLATES[0])]
    templates[0]["DIRS"] = [empty.parent, *templates[0]["DIRS"]]
    setups = {"with widgets": {}, "without widgets": {"TEMPLATES": templates}}

    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    customers = []
    for user in users:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        customers.append(client)
    urls = [product.get_absolute_url() for product in products]
    timings = {name: {"product": [], "home": [], "home (anonymous)": []} for name in setups}
    names = list(setups)
    for turn in range(rounds + 1):  # the first round warms every cache and is not counted
        for name in names[turn % 2 :] + names[: turn % 2]:
            with override_settings(**setups[name]):
                for url in urls:
                    started = time.perf_counter()
                    assert anonymous.get(url).status_code == 200
                    if turn:
                        timings[name]["product"].append((time.perf_counter() - started) * 1000)
                for client in customers:
                    started = time.perf_counter()
                    assert client.get("/").status_code == 200
                    if turn:
                        timings[name]["home"].append((time.perf_counter() - started) * 1000)
                for _ in range(len(customers)):
                    started = time.perf_counter()
                    assert anonymous.get("/").status_code == 200
                    if turn:
                        timings[name]["home (anonymous)"].append(
                            (time.perf_counter() - started) * 1000
                        )
    return timings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=400, help="product pages per round")
    parser.add_argument("--customers", type=int, default=150, help="customers with consent")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--var", help="a DUKEN_VAR_DIR with an imported catalog to reuse")
    args = parser.parse_args()
    setup(args.var)

    from duken.catalog.models import Product

    ids = list(Product.objects.filter(is_active=True).values_list("pk", flat=True))
    chosen = random.Random(42).sample(ids, min(args.products, len(ids)))
    products = list(Product.objects.filter(pk__in=chosen).select_related("primary_category"))
    users = customers_with_consent(args.customers)

    header = f"{'':<44} {'p50':>7} {'p99':>7} {'max':>7} {'n':>6}"
    print("\nThe widgets alone (ms):")
    print(header)
    for phase, (product_times, home_times) in widget_timings(products, users).items():
        print(line(f"product page widgets, {phase} caches", product_times))
        print(line(f"home page widgets (For you), {phase} caches", home_times))

    print(f"\nWhole pages, {args.rounds} rounds, in-process (ms):")
    print(header)
    timings = page_timings(products, users, args.rounds)
    for page in ("product", "home", "home (anonymous)"):
        with_ = timings["with widgets"][page]
        without = timings["without widgets"][page]
        print(line(f"{page}: with widgets", with_))
        print(line(f"{page}: without widgets", without))
        print(
            f"{page + ': added':<44} {statistics.median(with_) - statistics.median(without):>+7.2f}"
            f" {percentile(with_, 0.99) - percentile(without, 0.99):>+7.2f}"
        )


if __name__ == "__main__":
    main()
