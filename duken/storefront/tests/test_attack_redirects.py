"""Open redirects, attacked on every URL that reads ``next``.

The endpoints are found, not listed: each URL pattern is asked once as a visitor would (GET and
POST), noting whether its view reads ``next`` (``duken.testing.fuzz``). Each that does is then
sent every target in ``EVIL`` by GET and POST, as an anonymous visitor, a customer and staff;
no answer may send the browser off the shop (``Location``, htmx's ``HX-Redirect`` and
``HX-Location``).
"""

import random
import re
from urllib.parse import urlsplit

from django.db import transaction
from django.test import Client

from duken.core.tests import test_fuzz
from duken.testing.accounts import login_verified
from duken.testing.fuzz import Fuzzer, Reads, _recording
from duken.testing.urlconf import routes

world = test_fuzz.world

EVIL = [
    "//evil.example/",
    "https://evil.example/",
    "http:evil.example",
    "https:/\\evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    " //evil.example",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "//evil.example/%2e%2e",
    "https://testserver@evil.example/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//%65vil.example",
]
# The views that read ``next`` must include at least these (they are the shop's log-in, cart,
# wishlist and consent forms, and the language switch): a walk that finds fewer is broken.
KNOWN = {
    "storefront:login",
    "storefront:cart_add",
    "needs:wishlist_add",
    "privacy:consent",
    "set_language",
}


def leaves_the_shop(target: str) -> bool:
    """Whether a browser given ``target`` as a redirect would leave the shop or run script."""
    if not target:
        return False
    # as a browser reads it: control characters and spaces dropped, a backslash a slash (it
    # does not decode %2F: "%2F%2Fevil.example" is a relative path on the shop)
    cleaned = re.sub(r"[\x00-\x20]", "", target).replace("\\", "/")
    parts = urlsplit(cleaned)
    if parts.scheme and parts.scheme.lower() not in {"http", "https"}:
        return True
    if parts.scheme and not parts.netloc:
        return True  # "http:evil.example" is http://evil.example/ from an https page
    return cleaned.startswith("//") or parts.netloc not in {"", "testserver"}


def _visitors(world) -> dict[str, Client]:
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    customer = Client(HTTP_ACCEPT_LANGUAGE="en")
    customer.force_login(world["customer"])
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(staff, world["staff"])
    return {"anonymous": anonymous, "customer": customer, "staff": staff}


def _send(client, method, path, data):
    with transaction.atomic():
        try:
            return getattr(client, method)(path, data)
        finally:
            transaction.set_rollback(True)


def _targets(response) -> list[str]:
    return [response.get(header, "") for header in ("Location", "HX-Redirect", "HX-Location")]


def test_the_judge_knows_an_external_target():
    # a page of the shop stays; everything in EVIL leaves
    assert not leaves_the_shop("/cart/")
    assert not leaves_the_shop("http://testserver/cart/?next=//evil.example/")
    assert not leaves_the_shop("%2F%2Fevil.example")  # a relative path: /account/%2F%2F...
    assert all(leaves_the_shop(target) for target in EVIL if "%2F" not in target)


def test_no_endpoint_redirects_off_the_shop(world, capsys):
    # given every URL pattern, with real values in its slots, and three kinds of visitor
    fuzzer = Fuzzer(seed=test_fuzz.SEED, valid=world["valid"], values=world["values"])
    plausible = fuzzer.plausible(set(world["values"]))
    visitors = _visitors(world)
    reading = {}
    for route in routes():
        path = fuzzer.path(route, random.Random(route.template))
        for name, client in visitors.items():
            reads = Reads()
            with _recording(reads):
                _send(client, "get", path, {})
                _send(client, "post", path, plausible)
            if "next" in reads.fields:
                reading.setdefault(route.name, (path, set()))[1].add(name)
    # when each endpoint that reads next is sent every external target, by GET and by POST
    failures, sent = [], 0
    for path, who in sorted(reading.values()):
        for name in sorted(who):
            for target in EVIL:
                for method, data in (
                    ("get", {"next": target}),
                    ("post", {**plausible, "next": target}),
                ):
                    response = _send(visitors[name], method, path, data)
                    sent += 1
                    # then none sends the browser off the shop
                    for found in _targets(response):
                        if leaves_the_shop(found):
                            failures.append(f"{name} {method} {path} next={target!r} -> {found}")
    with capsys.disabled():
        print(
            f"\nopen redirects: {len(reading)} endpoints read next, {sent} requests with "
            f"{len(EVIL)} external targets, {len(failures)} left the shop"
        )
    assert failures == []
    assert KNOWN <= set(reading), KNOWN - set(reading)


def test_logging_in_with_an_external_next_lands_on_the_account(world):
    # given a customer who follows a link to the log-in page with an attacker's next
    for target in EVIL:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        # when they log in
        response = client.post(
            "/account/login/",
            {"username": world["customer"].email, "password": test_fuzz.PASSWORD, "next": target},
        )
        # then they are logged in and stay on the shop
        assert response.status_code == 302, target
        assert not leaves_the_shop(response["Location"]), (target, response["Location"])
