"""Reflected cross-site scripting, attacked on every URL of the shop.

Each URL pattern is asked once as a visitor would (GET and POST), noting which query and form
fields its view reads (``duken.testing.fuzz``). Each field read is then sent XSS payloads, in the
query string and in the form (the other fields plausible, so a form that fails validation shows
its values again), as an anonymous visitor, a customer and staff. No HTML answer may carry a
payload as markup (``xss_matrix.judge``). Every request is rolled back.
"""

import random

from django.db import transaction
from django.test import Client

from duken.core.tests import test_fuzz
from duken.testing.accounts import login_verified
from duken.testing.fuzz import Fuzzer, Reads, _recording
from duken.testing.urlconf import routes

from .xss_matrix import PAYLOADS, judge

world = test_fuzz.world

# Payloads for the breakouts reflection allows: out of an attribute, out of a raw-text element.
REFLECTED = [PAYLOADS["attribute"], PAYLOADS["textarea"], PAYLOADS["link"]]
# Fields whose reflection is not a page: the CSRF token (refused before any view runs).
SKIPPED = {"csrfmiddlewaretoken"}


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
            response = getattr(client, method)(path, data)
            if response.streaming:
                return None
            return response
        finally:
            transaction.set_rollback(True)


def test_no_page_reflects_a_field_as_markup(world, capsys):
    # given every URL pattern, with real values in its slots, and three kinds of visitor
    fuzzer = Fuzzer(seed=test_fuzz.SEED, valid=world["valid"], values=world["values"])
    visitors = _visitors(world)
    failures, sent, fields = [], 0, set()
    for route in routes():
        if route.template.startswith("/media/"):
            continue
        path = fuzzer.path(route, random.Random(route.template))
        for name, client in visitors.items():
            on_get, on_post = Reads(), Reads()
            with _recording(on_get):
                _send(client, "get", path, {})
            plausible = fuzzer.plausible(set(world["values"]))
            with _recording(on_post):
                _send(client, "post", path, plausible)
            # when each field the view reads is sent each payload
            cases = [("get", f, {f: p}) for f in on_get.fields - SKIPPED for p in REFLECTED]
            cases += [
                ("post", f, {**fuzzer.plausible(on_post.fields - SKIPPED), f: p})
                for f in on_post.fields - SKIPPED
                for p in REFLECTED
            ]
            for method, field, data in cases:
                response = _send(client, method, path, data)
                sent += 1
                fields.add((route.name, field))
                if response is None or "html" not in response.get("Content-Type", ""):
                    continue
                # then the answer carries none of it as markup
                injected = judge(response.content.decode(), "alert(1)").injected
                if injected:
                    failures.append(f"{name} {method} {path} {field}: {injected[:2]}")
    with capsys.disabled():
        print(
            f"\nreflected xss: {len(fields)} (URL, field) pairs, {sent} requests with "
            f"{len(REFLECTED)} payloads, {len(failures)} carried markup"
        )
    assert failures == []
    assert len(fields) > 100
