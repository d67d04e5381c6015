"""Cross-site request forgery, attacked on every URL of the shop.

The endpoints are not listed by hand: every pattern of the URLconf (``duken.testing.urlconf``)
is sent a POST without a CSRF token, by an anonymous visitor, a signed-in customer and a staff
member who passed the second factor, through a client that enforces the checks as a browser's
requests meet them. Each must be refused with 403 and change no row of any table. Only the
endpoints in ``EXEMPT`` may do otherwise, each for the reason given there.
"""

import random

from django.conf import settings
from django.db import connection, transaction
from django.middleware.csrf import CSRF_SESSION_KEY
from django.test import Client

from duken.core.tests import test_fuzz
from duken.customers.models import Address
from duken.testing.accounts import login_verified
from duken.testing.factories import ADDRESS
from duken.testing.fuzz import Fuzzer
from duken.testing.urlconf import routes

# pytest's fixture of the fuzz run: a small shop with one of everything a URL can point at
world = test_fuzz.world

# Endpoints that legitimately take a POST without a browser's CSRF token, and why. Each is
# still sent the forged POST below and must refuse it by its own means and change nothing a
# customer or the shop sees (``may_grow``: the tables that log the refused attempt).
EXEMPT = {
    "payments:callback": {
        "reason": "server to server from the payment provider; authenticated by the HMAC "
        "signature of its body and timestamp, not by a browser cookie",
        "may_grow": {"payments_paymentcallback", "core_auditentry"},
    },
}

# At least this many URL patterns take a POST for a visitor (the rest refuse the method): a
# URLconf walk that stops finding them is broken, not safer.
MIN_POST_ROUTES = 60


def _row_counts() -> dict[str, int]:
    """Every table's row count (one query per table; the test shop is small)."""
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - names from the schema
            counts[table] = cursor.fetchone()[0]
    return counts


def _changed(before: dict, after: dict) -> dict:
    return {t: (before.get(t), after.get(t)) for t in after if before.get(t) != after.get(t)}


def _visitors(world, *, enforce: bool) -> dict[str, Client]:
    anonymous = Client(enforce_csrf_checks=enforce, HTTP_ACCEPT_LANGUAGE="en")
    customer = Client(enforce_csrf_checks=enforce, HTTP_ACCEPT_LANGUAGE="en")
    customer.force_login(world["customer"])
    staff = Client(enforce_csrf_checks=enforce, HTTP_ACCEPT_LANGUAGE="en")
    login_verified(staff, world["staff"])
    return {"anonymous": anonymous, "customer": customer, "staff": staff}


def _accepts_post(client, path, form) -> bool:
    """Whether the view takes a POST (with a valid token): anything but 405. The request's
    changes are rolled back."""
    with transaction.atomic():
        response = client.post(path, form)
        transaction.set_rollback(True)
    return response.status_code != 405


def test_no_url_accepts_a_post_without_a_csrf_token(world, capsys):
    # given every URL pattern with real values in its slots, three kinds of visitor whose
    # requests are checked as a browser's are, and plausible values for every field
    fuzzer = Fuzzer(seed=test_fuzz.SEED, valid=world["valid"], values=world["values"])
    form = fuzzer.plausible(set(world["values"]))
    forging = _visitors(world, enforce=True)
    trusting = _visitors(world, enforce=False)

    refused, takes_post, failures = 0, set(), []
    for route in routes():
        path = fuzzer.path(route, random.Random(route.template))
        for visitor, client in forging.items():
            if _accepts_post(trusting[visitor], path, form):
                takes_post.add(route.name)
            before = _row_counts()
            # when the visitor's browser is made to POST there from another site (no token)
            response = client.post(path, form)
            changed = _changed(before, _row_counts())
            # then it is refused and nothing changes
            exempt = EXEMPT.get(route.name)
            if exempt:
                changed = {t: c for t, c in changed.items() if t not in exempt["may_grow"]}
                if response.status_code < 400 or changed:
                    failures.append(f"{visitor} {path}: {response.status_code} {changed}")
                continue
            if response.status_code != 403 or changed:
                failures.append(f"{visitor} {path}: {response.status_code} changed {changed}")
            else:
                refused += 1
    with capsys.disabled():
        print(
            f"\ncsrf: {len(routes())} URL patterns, {len(takes_post)} answer a POST (not 405); "
            f"{refused} forged POSTs (3 visitors) refused with 403, {len(EXEMPT)} exempt"
        )
    assert failures == []
    assert len(takes_post) >= MIN_POST_ROUTES
    assert set(EXEMPT) <= takes_post


def test_the_same_post_with_the_token_goes_through(world):
    # given a customer's browser that loaded the address form (so it holds the CSRF cookie)
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world["customer"])
    client.get("/account/addresses/new/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    data = {**ADDRESS, "phone": "+77011234567", "city": "Astana"}
    # when the form is sent without the token, then with it
    forged = client.post("/account/addresses/new/", data)
    sent = client.post("/account/addresses/new/", {**data, "csrfmiddlewaretoken": token})
    # then only the one with the token adds the address (the refusal above is the check's)
    assert forged.status_code == 403
    assert sent.status_code == 302
    assert Address.objects.filter(user=world["customer"], city="Astana").count() == 1


def test_a_token_from_another_browser_is_refused(world):
    # given the attacker's own browser session on the shop, with its own valid token
    attacker = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    attacker.get("/account/login/")
    stolen = attacker.cookies[settings.CSRF_COOKIE_NAME].value
    victim = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    victim.force_login(world["customer"])
    victim.get("/account/addresses/new/")
    assert stolen != victim.cookies[settings.CSRF_COOKIE_NAME].value
    before = _row_counts()
    # when a forged form in the victim's browser carries the attacker's token
    data = {**ADDRESS, "phone": "+77011234567", "csrfmiddlewaretoken": stolen}
    forged = victim.post("/account/addresses/new/", data)
    # or the header does
    header = victim.post("/account/addresses/new/", data, HTTP_X_CSRFTOKEN=stolen)
    # then both are refused and nothing changes
    assert (forged.status_code, header.status_code) == (403, 403)
    assert _changed(before, _row_counts()) == {}


def test_the_csrf_cookie_is_same_site_and_secure_when_the_shop_is(db):
    # given a visitor opening a page with a form
    client = Client(enforce_csrf_checks=True)
    # when
    response = client.get("/account/login/")
    # then the cookie is not sent along with other sites' requests, is Secure whenever the
    # session cookie is, and is not kept in the session store where it could be forgotten
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["samesite"] == "Lax"
    assert bool(cookie["secure"]) == settings.SESSION_COOKIE_SECURE
    assert settings.CSRF_COOKIE_SECURE == settings.SESSION_COOKIE_SECURE
    assert cookie["httponly"]
    assert not settings.CSRF_USE_SESSIONS
    assert CSRF_SESSION_KEY not in client.session


def test_a_forged_post_from_another_origin_is_refused_over_https(world, settings):
    # given the shop behind HTTPS, and a customer whose browser holds a valid token
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world["customer"])
    client.get("/account/addresses/new/", secure=True)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    data = {**ADDRESS, "phone": "+77011234567", "csrfmiddlewaretoken": token}
    before = Address.objects.count()
    # when the request comes from another site's page (its Origin), even with the token
    forged = client.post(
        "/account/addresses/new/", data, secure=True, HTTP_ORIGIN="https://evil.example"
    )
    # then it is refused
    assert forged.status_code == 403
    assert Address.objects.count() == before
