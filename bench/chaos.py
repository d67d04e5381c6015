"""Chaos run: nothing accepted is lost when server and worker processes die.

Starts the production server (``duken serve``, several worker processes) and the task worker
(``duken worker``) on PostgreSQL, with a real SMTP server on loopback (aiosmtpd) as the shop's
mail server, and drives concurrent shoppers through real checkouts: add to cart, place the
order, submit the form a second time (as a browser does after a lost answer), pay on the
sandbox gateway's page with the test card (its server-to-server callback marks the order paid)
or choose cash on delivery. Meanwhile a killer sends SIGKILL at random moments to one of the
server's worker processes, the whole server, or the task worker, and starts whatever it killed
again. Shoppers whose request failed retry it, as people do.

When the shoppers are done and the processes have settled, it checks:
  lost                  orders a shopper saw placed that do not exist
  duplicated            checkout forms that made more than one order
  stock_mismatches      products whose stock is not the initial stock minus the units in
                        standing orders (no oversell, no leak)
  orders_without_payment  orders without their payment row
  emails_missing        paid orders whose "payment received" e-mail did not reach the SMTP
                        server (the outbox's delivered log, checked at the receiver)
  emails_doubled        paid orders with more than one such e-mail (different idempotency keys;
                        a repeat with the same key counts once, as a receiver dedupes it)
  tasks_stuck           background tasks still waiting or running once everything settled

    python bench/chaos.py [--shoppers 240] [--concurrency 24] [--kills 12] [--json]

Needs PostgreSQL (``--database-url``, default postgres://postgres@127.0.0.1:5432/duken_chaos;
the database is created afresh, and dropped afterwards unless --keep). The catalog is made by
``make_catalog`` below (benchmark data, not the demo's): ``--products`` products of
``--stock`` units each, without backorders, so running out of stock is refused at checkout.
"""

import argparse
import http.client
import http.cookiejar
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CARD = {"number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123", "holder": "Chaos"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the mail server ---------------------------------------------------------------------


class Inbox:
    """What a receiving mail system sees: every message, with its idempotency key."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = []  # (idempotency key, subject)

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes

        message = message_from_bytes(envelope.content)
        with self.lock:
            self.received.append((message.get("X-Idempotency-Key", ""), message["Subject"]))
        return "250 OK"


# --- processes -----------------------------------------------------------------------------


class Shop:
    def __init__(self, env, port, workers):
        self.env, self.port, self.workers = env, port, workers
        self.server = None
        self.worker = None
        self.lock = threading.Lock()

    def _spawn(self, args, log):
        return subprocess.Popen(
            [PY, "-m", "duken.cli", *args],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_server(self):
        log = open(self.env["DUKEN_VAR_DIR"] + "/server.log", "ab")  # noqa: SIM115
        self.server = self._spawn(
            [
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--no-websockets",
                "--no-collectstatic",
            ],
            log,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start; see server.log")

    def start_worker(self):
        log = open(self.env["DUKEN_VAR_DIR"] + "/worker.log", "ab")  # noqa: SIM115
        self.worker = self._spawn(["worker"], log)

    def server_children(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def kill_one(self, rng) -> str:
        """SIGKILL something and start it again; returns what was killed."""
        with self.lock:
            victim = rng.choice(["server-worker", "server-worker", "server", "task-worker"])
            if victim == "server-worker" and self.server_children():
                os.kill(rng.choice(self.server_children()), signal.SIGKILL)
                return victim  # the server starts a new worker process itself
            if victim in ("server", "server-worker"):
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait()
                self.start_server()
                return "server"
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait()
            self.start_worker()
            return victim

    def stop(self):
        for process in (self.server, self.worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


# --- a shopper -----------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Shopper:
    """One browser: its own cookies; retries a request the shop did not answer."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )
        self.retries = 0

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def request(self, method, path, data=None):
        """(status, location, body) — retried while the shop is down or answers 5xx."""
        url = path if path.startswith("http") else self.base + path
        for attempt in range(60):
            body = None
            headers = {"Referer": self.base + "/"}
            if data is not None:
                body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            req = urllib.request.Request(url, data=body, method=method, headers=headers)
            try:
                with self.opener.open(req, timeout=30) as response:
                    return response.status, response.headers.get("Location", ""), response.read()
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return exc.code, exc.headers.get("Location", ""), exc.read()
            except (OSError, http.client.HTTPException):
                pass
            self.retries += 1
            time.sleep(min(0.2 * (attempt + 1), 2))
        raise RuntimeError(f"{method} {path}: no answer after 60 attempts")


def count(outcome, key) -> None:
    with outcome["lock"]:
        outcome[key] += 1


def shop_once(base, product_ids, rng, outcome) -> None:
    shopper = Shopper(base)
    shopper.request("GET", "/")
    for product_id in rng.sample(product_ids, rng.choice([1, 1, 2])):
        shopper.request(
            "POST", "/cart/add/", {"product_id": product_id, "quantity": rng.choice([1, 1, 2])}
        )
    status, _loc, page = shopper.request("GET", "/checkout/")
    match = re.search(rb'name="checkout_token" value="([^"]+)"', page)
    if status != 200 or not match:
        count(outcome, "cart_empty")  # every product chosen was sold out: nothing to check out
        return
    paying = "card" if rng.random() < 0.8 else "cash_on_delivery"
    form = {
        "checkout_token": match.group(1).decode(),
        "email": f"shopper{rng.randrange(10**9)}@chaos.example",
        "phone": "+7 701 555 12 34",
        "full_name": "Chaos Shopper",
        "country": "Kazakhstan",
        "region": "Almaty",
        "city": "Almaty",
        "street": "Dostyk 5",
        "delivery_method": "own-courier",
        "payment_method": paying,
    }
    status, location, _ = shopper.request("POST", "/checkout/", form)
    if status != 302:
        count(outcome, "refused")  # sold out meanwhile: a clear 409, nothing placed
        return
    # The same form again, as a browser resends it after an answer that never came: it shows
    # the order the first submit placed, which tells us its number.
    status, again, _ = shopper.request("POST", "/checkout/", form)
    number = re.search(r"/checkout/done/([^/]+)/", again or "")
    if not number:
        count(outcome, "unconfirmed")
        return
    number = number.group(1)
    with outcome["lock"]:
        outcome["seen"].append((number, form["checkout_token"], paying))
    if paying != "card":
        return
    page_url = location
    for _attempt in range(20):
        status, back, _ = shopper.request("POST", page_url, CARD)
        if status == 302:
            shopper.request("GET", back)  # the return: the signed result applies too
            return
        time.sleep(0.5)


# --- the shop's data -----------------------------------------------------------------------

SETUP = r"""
import json, sys, django
django.setup()
from decimal import Decimal
from django.utils import timezone
from duken.catalog.models import Category, Product

def make_catalog(products, stock):
    category, _ = Category.objects.get_or_create(slug="chaos", defaults={"name": "Chaos"})
    ids = []
    for n in range(products):
        product = Product.objects.create(
            sku=f"CHAOS-{n:03d}", slug=f"chaos-{n:03d}", name=f"Chaos product {n}",
            primary_category=category, price=Decimal(1000 + 10 * n), stock=stock,
            allow_backorder=False, weight_grams=400, created_at=timezone.now(),
        )
        product.categories.add(category)
        ids.append(product.pk)
    return ids

print(json.dumps(make_catalog(int(sys.argv[1]), int(sys.argv[2]))))
"""

CHECK = r"""
import json, sys, django
django.setup()
from collections import Counter, defaultdict
from django.db.models import Count, Sum
from django_tasks_db.models import DBTaskResult
from duken.catalog.models import Product
from duken.orders.models import Order, OrderLine
from duken.outbox.models import Message
from duken.payments.models import Payment

seen = json.load(open(sys.argv[1]))
received = Counter(json.load(open(sys.argv[2])))
stock = {int(k): v for k, v in json.load(open(sys.argv[3])).items()}
standing = ["awaiting_payment", "paid", "awaiting_stock", "packed", "shipped", "delivered", "completed"]
numbers = set(Order.objects.values_list("number", flat=True))
lost = sum(1 for number, _token, _way in seen if number not in numbers)
per_token = Order.objects.values("checkout_token").annotate(n=Count("pk")).filter(n__gt=1)
duplicated = sum(row["n"] - 1 for row in per_token)
sold = dict(
    OrderLine.objects.filter(order__status__in=standing).values_list("product_id")
    .annotate(units=Sum("quantity")).values_list("product_id", "units")
)
now = dict(Product.objects.filter(pk__in=stock).values_list("pk", "stock"))
mismatches = sum(1 for pk, initial in stock.items() if now[pk] != initial - sold.get(pk, 0))
oversold = sum(1 for pk in stock if now[pk] < 0)
without_payment = Order.objects.filter(payments__isnull=True).count()
paid = list(Order.objects.filter(paid_at__isnull=False).values_list("number", flat=True))
mails = defaultdict(list)
for reference, key in Message.objects.filter(kind="order_paid").values_list(
    "reference", "idempotency_key"
):
    mails[reference].append(str(key))
missing = sum(1 for n in paid if not any(received[key] for key in mails[n]))
doubled = sum(1 for n in paid if sum(1 for key in mails[n] if received[key]) > 1)
# Waiting past their time or running: deferred ones (a payment's time-out) are not stuck.
stuck = DBTaskResult.objects.ready().count() + DBTaskResult.objects.running().count()
print(json.dumps({
    "orders_in_database": len(numbers), "paid_orders": len(paid),
    "lost": lost, "duplicated": duplicated, "stock_mismatches": mismatches + oversold,
    "orders_without_payment": without_payment, "emails_missing": missing,
    "emails_doubled": doubled, "tasks_stuck": stuck,
    "outbox_pending": Message.objects.exclude(status="sent").count(),
}))
"""

SETTLED = r"""
import django
django.setup()
from django_tasks_db.models import DBTaskResult
from duken.outbox.models import Message
from duken.payments.models import Payment
busy = DBTaskResult.objects.ready().count() + DBTaskResult.objects.running().count()
print(busy + Message.objects.filter(status="pending").count())
"""


def manage_py(code, env, *args) -> str:
    result = subprocess.run(
        [PY, "-c", code, *args],
        env={**env, "DJANGO_SETTINGS_MODULE": "duken.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def recreate_database(url: str, *, create: bool = True) -> None:
    import psycopg

    parsed = urllib.parse.urlsplit(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{name}"')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/duken_chaos")
    parser.add_argument("--shoppers", type=int, default=240)
    parser.add_argument("--concurrency", type=int, default=24)
    parser.add_argument("--kills", type=int, default=12, help="at least this many SIGKILLs")
    parser.add_argument("--products", type=int, default=12)
    parser.add_argument("--stock", type=int, default=25)
    parser.add_argument("--server-workers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database and var folder")
    parser.add_argument("--json", action="store_true", help="print one JSON line at the end")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    from aiosmtpd.controller import Controller

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    var_dir = tempfile.mkdtemp(prefix="duken-chaos-")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DUKEN_", "REDIS_URL"))},
        "DATABASE_URL": args.database_url,
        "DUKEN_VAR_DIR": var_dir,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DUKEN_PAYMENT_SANDBOX_SECRET": secrets.token_urlsafe(64),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DUKEN_WORKER_TIMEOUT": "10",
        "DUKEN_OUTBOX_LEASE_SECONDS": "20",
        "DUKEN_RECS_RETRAIN_HOURS": "0",
        "DUKEN_REQUEST_LOG": "0",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "0",
    }
    recreate_database(args.database_url)
    subprocess.run([PY, "-m", "duken.cli", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
    subprocess.run([PY, "-m", "duken.cli", "setup_store", "-v", "0"], env=env, cwd=ROOT, check=True)
    subprocess.run(
        [PY, "-m", "duken.cli", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    product_ids = json.loads(manage_py(SETUP, env, str(args.products), str(args.stock)))
    initial = dict.fromkeys(product_ids, args.stock)

    shop = Shop(env, port, args.server_workers)
    shop.start_server()
    shop.start_worker()
    base = f"http://127.0.0.1:{port}"
    outcome = {
        "lock": threading.Lock(),
        "seen": [],
        "refused": 0,
        "cart_empty": 0,
        "unconfirmed": 0,
    }
    kills = Counter()
    done = threading.Event()

    def killer():
        while not done.is_set() or sum(kills.values()) < args.kills:
            time.sleep(rng.uniform(0.5, 2.5))
            kills[shop.kill_one(rng)] += 1

    started = time.perf_counter()
    killing = threading.Thread(target=killer, daemon=True)
    killing.start()

    def one(n):
        shop_once(base, product_ids, random.Random(args.seed * 1000 + n), outcome)

    with ThreadPoolExecutor(args.concurrency) as pool:
        list(pool.map(one, range(args.shoppers)))
    done.set()
    killing.join()
    drive_seconds = time.perf_counter() - started

    # Settle: the worker finishes what is queued (and re-runs what a killed worker held).
    deadline = time.time() + 180
    while time.time() < deadline and int(manage_py(SETTLED, env)) > 0:
        time.sleep(2)
    time.sleep(2)
    shop.stop()
    smtp.stop()

    with open(f"{var_dir}/seen.json", "w") as handle:
        json.dump(outcome["seen"], handle)
    with open(f"{var_dir}/received.json", "w") as handle:
        json.dump([key for key, _subject in inbox.received], handle)
    with open(f"{var_dir}/stock.json", "w") as handle:
        json.dump(initial, handle)
    checked = json.loads(
        manage_py(
            CHECK, env, f"{var_dir}/seen.json", f"{var_dir}/received.json", f"{var_dir}/stock.json"
        )
    )
    figures = {
        "orders_placed": len(outcome["seen"]),
        "kills": sum(kills.values()),
        **{k: checked[k] for k in ("lost", "duplicated", "stock_mismatches")},
        "orders_without_payment": checked["orders_without_payment"],
        "emails_missing": checked["emails_missing"],
        "emails_doubled": checked["emails_doubled"],
        "tasks_stuck": checked["tasks_stuck"],
    }
    print(f"shoppers: {args.shoppers} ({args.concurrency} at once) in {drive_seconds:.0f} s")
    print(f"orders placed (seen by shoppers): {figures['orders_placed']}")
    print(
        f"  refused at checkout (sold out meanwhile): {outcome['refused']}; sold out before the"
        f" cart: {outcome['cart_empty']}; placed but never shown: {outcome['unconfirmed']};"
        f" paid orders: {checked['paid_orders']}"
    )
    print(f"outgoing messages not delivered at the end: {checked['outbox_pending']}")
    print(f"kills: {figures['kills']} ({', '.join(f'{k} {v}' for k, v in kills.items())})")
    print(f"e-mails received by the SMTP server: {len(inbox.received)}")
    for key in (
        "lost",
        "duplicated",
        "stock_mismatches",
        "orders_without_payment",
        "emails_missing",
        "emails_doubled",
        "tasks_stuck",
    ):
        print(f"{key}: {figures[key]}")
    if args.json:
        print(json.dumps(figures))
    if not args.keep:
        recreate_database(args.database_url, create=False)
    bad = sum(v for k, v in figures.items() if k not in ("orders_placed", "kills"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
