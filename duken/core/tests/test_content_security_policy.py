"""Every kind of page carries the Content-Security-Policy: a fresh nonce per response, no
'unsafe-inline' or 'unsafe-eval' for scripts, and nothing inline in the HTML that the policy
would refuse (an inline script without the nonce, an event handler attribute, a style
attribute or an un-nonced <style>). The browser tests check the same pages in Chromium."""

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from duken.payments import services as payments
from duken.payments.tests.helpers import make_order, request_for
from duken.testing.accounts import login_verified
from duken.testing.factories import make_product, make_shipping

pytestmark = pytest.mark.django_db

HEADER = "Content-Security-Policy"


class InlineContent(HTMLParser):
    """What an HTML page holds that a Content-Security-Policy judges: its inline scripts and
    styles, and the attributes that run code or style an element."""

    def __init__(self, html: str):
        super().__init__()
        self.inline_scripts: list[dict] = []
        self.style_elements: list[dict] = []
        self.handlers: list[str] = []
        self.style_attributes: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            self.inline_scripts.append(attributes)
        if tag == "style":
            self.style_elements.append(attributes)
        self.handlers += [f"<{tag} {name}=...>" for name in attributes if name.startswith("on")]
        if "style" in attributes:
            self.style_attributes.append(f"<{tag} style={attributes['style']!r}>")


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


def nonce_of(policy: dict[str, list[str]]) -> str:
    [nonce] = [s[len("'nonce-") : -1] for s in policy["script-src"] if s.startswith("'nonce-")]
    return nonce


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("staff@duken.example", "staff-pass-12345")
    login_verified(client, user)
    return user


@pytest.fixture
def customer(client):
    user = get_user_model().objects.create_user("aigerim@example.kz", "customer-pass-12345")
    client.force_login(user)
    return user


@pytest.fixture
def product():
    return make_product(name="Felt slippers")


def _checkout(client, product):
    make_shipping()
    client.post(reverse("storefront:cart_add"), {"product_id": str(product.pk), "quantity": "1"})
    return reverse("storefront:checkout")


def _sandbox_page(client, product):
    start = payments.start_payment(make_order(), request=request_for())
    parts = urlsplit(start.redirect_url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _admin_order(client, listing=False):
    buyer = get_user_model().objects.create_user("buyer@example.kz", "buyer-pass-12345")
    order = make_order(user=buyer, customer_note="Ring twice, please.")
    if listing:
        return reverse("admin:orders_order_changelist")
    return reverse("admin:orders_order_change", args=[order.pk])


def _receipt(client, product):
    from django.contrib import auth
    from django.utils import timezone

    from duken.orders.receipts.issuing import issue

    customer = auth.get_user(client)
    order = make_order(user=customer, status="paid", paid_at=timezone.now())
    issue(order)
    return reverse("storefront:receipt", args=[order.number])


PAGES = {
    "home": (None, lambda client, product: reverse("storefront:home")),
    "category": (
        None,
        lambda client, product: reverse(
            "storefront:category", args=[product.primary_category.slug]
        ),
    ),
    "product": (None, lambda client, product: reverse("storefront:product", args=[product.slug])),
    "search": (None, lambda client, product: reverse("storefront:search") + "?q=slippers"),
    "cart": (None, lambda client, product: reverse("storefront:cart")),
    "checkout": (None, _checkout),
    "login": (None, lambda client, product: reverse("storefront:login")),
    "account": ("customer", lambda client, product: reverse("storefront:account")),
    "memory": ("customer", lambda client, product: reverse("privacy:memory")),
    "admin index": ("staff", lambda client, product: reverse("admin:index")),
    # prepopulated fields, filter_horizontal, an inline: the admin's scripts carry their data
    # in attributes, not in inline code
    "admin product": (
        "staff",
        lambda client, product: reverse("admin:catalog_product_change", args=[product.pk]),
    ),
    # the moves, the customer's note with its fact button, the status badges
    "admin order": ("staff", lambda client, product: _admin_order(client)),
    "admin orders": ("staff", lambda client, product: _admin_order(client, listing=True)),
    "back office": ("staff", lambda client, product: reverse("backoffice:customer_search")),
    "inbox": ("staff", lambda client, product: reverse("backoffice:inbox")),
    "payment sandbox": (None, _sandbox_page),
    "receipt": ("customer", _receipt),
    "receipt check": (None, lambda client, product: reverse("storefront:receipt_verify")),
    "background work": ("staff", lambda client, product: reverse("admin:core_schedule_changelist")),
    "outgoing messages": (
        "staff",
        lambda client, product: reverse("admin:outbox_message_changelist"),
    ),
}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_sends_the_policy_with_a_fresh_nonce_and_nothing_inline_it_refuses(
    client, product, page, request
):
    # given
    who, url_of = PAGES[page]
    if who:
        request.getfixturevalue(who)
    url = url_of(client, product)

    # when
    first = client.get(url)
    second = client.get(url)

    # then
    assert first.status_code == 200, first.status_code
    assert_policy_kept(first, second)


def test_the_not_found_page_keeps_the_policy_too(client):
    # when
    first = client.get("/no-such-page/")
    second = client.get("/no-such-page/")

    # then
    assert first.status_code == 404
    assert_policy_kept(first, second)


def assert_policy_kept(first, second):
    """The response carries the policy with its own nonce and nothing inline it refuses."""
    policy = directives(first[HEADER])
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    nonce = nonce_of(policy)
    assert nonce != nonce_of(directives(second[HEADER]))
    html = InlineContent(first.content.decode())
    assert [s for s in html.inline_scripts if s.get("nonce") != nonce] == []
    assert [s for s in html.style_elements if s.get("nonce") != nonce] == []
    assert html.handlers == []
    assert html.style_attributes == []


def test_the_chat_websocket_on_its_own_port_is_allowed_to_connect(client, settings):
    # given the chat's WebSocket server on another port than the page's
    settings.ALLOWED_HOSTS = ["shop.example.kz"]
    settings.WS_PORT = 8765
    settings.WS_URL = ""

    # when
    response = client.get(reverse("storefront:home"), HTTP_HOST="shop.example.kz")

    # then
    policy = directives(response[HEADER])
    assert policy["connect-src"] == ["'self'", "ws://shop.example.kz:8765/ws/"]


def test_a_websocket_address_behind_a_proxy_is_allowed_to_connect(client, settings):
    # given
    settings.WS_URL = "wss://shop.example.kz/ws/"

    # when
    response = client.get(reverse("storefront:home"))

    # then
    assert directives(response[HEADER])["connect-src"] == ["'self'", "wss://shop.example.kz/ws/"]


def test_a_refused_host_is_answered_without_a_server_error(client):
    # when an attacker sends a Host the shop does not serve
    response = client.get(reverse("storefront:home"), HTTP_HOST="evil.example.com")

    # then Django's refusal stands, with the policy, and nothing breaks building it
    assert response.status_code == 400
    assert directives(response[HEADER])["connect-src"] == ["'self'"]


def _policies_under(environment: dict) -> dict:
    """The policies settings.py builds from these environment variables (a fresh process)."""
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps({'enforced': getattr(settings, 'CONTENT_SECURITY_POLICY', None),"
        " 'report_only': getattr(settings, 'CONTENT_SECURITY_POLICY_REPORT_ONLY', None)},"
        " default=str))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "duken.settings", **environment}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_report_only_mode_and_a_gateways_host_come_from_the_environment(tmp_path):
    # when
    policies = _policies_under(
        {
            "DUKEN_VAR_DIR": str(tmp_path),
            "DUKEN_CSP_REPORT_ONLY": "true",
            "DUKEN_CSP_REPORT_URI": "https://reports.example.kz/csp",
            "DUKEN_CSP_FORM_ACTION": "https://pay.example.kz",
        }
    )

    # then browsers are told to report, not to block, and the gateway's page may be posted to
    assert policies["enforced"] is None
    report_only = policies["report_only"]["DIRECTIVES"]
    assert report_only["form-action"] == ["'self'", "https://pay.example.kz"]
    assert report_only["report-uri"] == ["https://reports.example.kz/csp"]
    assert report_only["script-src"] == ["'self'", "csp.constants.NONCE"]
