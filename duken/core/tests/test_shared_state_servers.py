"""Two real server processes of one installation (the embedded default: SQLite, the cache on
local disk, no Redis) see every change at their next request: a price change, a new review and
a forgotten product, each made elsewhere (the admin's process, a staff member, the other server),
after both had cached what they showed."""

import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]

SETUP = r"""
import django
django.setup()
from decimal import Decimal
from django.utils import timezone
from duken.catalog.models import Category, Product
from duken.customers.models import User
from duken.privacy.models import ConsentRecord, Purpose
from duken.privacy.services import WORDING_VERSION

category = Category.objects.create(slug="slippers", name="Slippers")
product = Product.objects.create(
    sku="FELT-1", slug="felt-slippers", name="Felt Slippers", primary_category=category,
    price=Decimal("5400"), stock=5, created_at=timezone.now(),
)
product.categories.add(category)
user = User.objects.create_user("aru@example.kz", "Steppe-Winds-2026!", first_name="Aru")
for purpose in (Purpose.ANALYTICS, Purpose.PERSONALIZATION):
    ConsentRecord.objects.create(
        user=user, purpose=purpose, granted=True, wording_version=WORDING_VERSION,
        source="account_page",
    )
print(product.pk)
"""

CHANGE_PRICE = r"""
import django
django.setup()
from decimal import Decimal
from duken.catalog.models import Product
product = Product.objects.get(sku="FELT-1")
product.price = Decimal("6100")
product.save()
"""

NEW_REVIEW = r"""
import django
django.setup()
from duken.catalog.models import Product
from duken.conversations import reviews
from duken.customers.models import User
product = Product.objects.get(sku="FELT-1")
buyer = User.objects.create_user("dana@example.kz", "Steppe-Winds-2026!")
from duken.testing.factories import make_order
make_order(lines=[(product, 1, 0)], user=buyer, status="delivered")
review = reviews.submit_review(buyer, product, rating=5, text="Warm as a yurt in January.")
reviews.approve(review, by=User.objects.create_superuser("boss@example.kz", "Steppe-Winds-2026!"))
"""

VIEWS_WRITTEN = r"""
import django
django.setup()
from duken.interactions.models import Event, Kind
print(Event.objects.filter(kind=Kind.PRODUCT_VIEW).count())
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def installation(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DUKEN_", "DATABASE_URL"))},
        "DUKEN_VAR_DIR": str(tmp_path),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DUKEN_REQUEST_LOG": "0",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "0",
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "duken.settings",
    }

    def run(code_or_args, *, script=False):
        args = (
            [sys.executable, "-c", code_or_args]
            if script
            else [sys.executable, "-m", "duken.cli", *code_or_args]
        )
        result = subprocess.run(
            args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout.strip()

    run(["migrate", "-v", "0"])
    run(["collectstatic", "--noinput", "-v", "0"])
    product_id = int(run(SETUP, script=True).splitlines()[-1])
    servers = []
    for _ in range(2):
        port = _free_port()
        servers.append(
            (
                port,
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "duken.cli",
                        "serve",
                        "--port",
                        str(port),
                        "--workers",
                        "1",
                        "--no-websockets",
                        "--no-collectstatic",
                    ],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                ),
            )
        )
    for port, _process in servers:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
                break
            except OSError:
                assert time.time() < deadline, "a server did not start"
                time.sleep(0.2)
    yield run, [port for port, _ in servers], product_id
    for _port, process in servers:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


class Browser:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def get(self, port, path) -> str:
        with self.opener.open(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            return response.read().decode()

    def post(self, port, path, data) -> int:
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            data=body,
            headers={"Referer": f"http://127.0.0.1:{port}{path}"},
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


def _recently_viewed(html: str) -> str:
    match = re.search(r'<section[^>]*id="recs-recently-viewed".*?</section>', html, re.S)
    return match.group(0) if match else ""


@pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"],
    reason="the embedded default (SQLite, the cache on disk) is what this checks",
)
def test_two_server_processes_see_a_price_change_a_review_and_a_forget_at_once(installation):
    run, (a, b), product_id = installation
    browser = Browser()
    # given a customer who allows personalization, signed in, who viewed the slippers on A
    browser.get(a, "/account/login/")
    assert (
        browser.post(
            a, "/account/login/", {"username": "aru@example.kz", "password": "Steppe-Winds-2026!"}
        )
        == 302
    )
    browser.get(a, "/p/felt-slippers/")
    deadline = time.time() + 30
    while int(run(VIEWS_WRITTEN, script=True).splitlines()[-1]) == 0:
        # A server writes its buffered events in a batch after a request once they are a few
        # seconds old; any request will do.
        assert time.time() < deadline, "the view was never written"
        time.sleep(1)
        browser.get(a, "/healthz")
    # and both servers have shown (and cached) the category, the product and the home page
    for port in (a, b):
        assert "5\u00a0400\u00a0₸" in browser.get(port, "/c/slippers/")
        assert "Warm as a yurt" not in browser.get(port, "/p/felt-slippers/")
        assert "Felt Slippers" in _recently_viewed(browser.get(port, "/"))

    # when the price changes in another process (the admin's)
    run(CHANGE_PRICE, script=True)
    # then both servers show the new price at their next request
    for port in (a, b):
        page = browser.get(port, "/c/slippers/")
        assert "6\u00a0100\u00a0₸" in page and "5\u00a0400\u00a0₸" not in page, port

    # when a review is approved elsewhere
    run(NEW_REVIEW, script=True)
    # then both product pages show it at once
    for port in (a, b):
        assert "Warm as a yurt in January." in browser.get(port, "/p/felt-slippers/"), port

    # when the customer forgets the slippers on server A
    browser.get(a, "/account/memory/")
    status = browser.post(
        a, "/account/memory/forget/", {"key": f"product:{product_id}", "remember_again": "no"}
    )
    assert status == 302
    # then server B no longer shows them among what the customer viewed
    assert "Felt Slippers" not in _recently_viewed(browser.get(b, "/"))
    assert "Felt Slippers" not in _recently_viewed(browser.get(a, "/"))
