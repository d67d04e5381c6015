"""Login lockout, as an attacker meets it: attempts are POSTed to the real login pages from
chosen client addresses; the counts live in the database (django-axes), time moves on by
dating the stored attempts back."""

import json
import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.db.models import F
from django.test import Client

from duken.customers.models import User
from duken.testing.accounts import login_verified

pytestmark = pytest.mark.django_db

PASSWORD = "Steppe-Winds-2026"
ATTACKER, HOME, ELSEWHERE = "203.0.113.9", "198.51.100.7", "192.0.2.44"
LOCKED = "Too many failed attempts to log in"
WRONG = "The e-mail or password is wrong"


@pytest.fixture
def customer():
    return User.objects.create_user("dana@example.kz", PASSWORD, first_name="Dana")


def attempt(client, email, password, ip, path="/account/login/"):
    return client.post(path, {"username": email, "password": password}, REMOTE_ADDR=ip)


def main(response) -> str:
    """What the page says (its <main>; the header carries a per-session CSRF token)."""
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def later(minutes):
    """Time moves on: every stored attempt is dated ``minutes`` earlier."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def test_five_wrong_passwords_lock_the_account_from_that_address_even_for_the_right_one(
    client, customer
):
    # when
    statuses = [attempt(client, customer.email, f"guess-{n}", ATTACKER) for n in range(6)]
    right = attempt(client, customer.email, PASSWORD, ATTACKER)
    # then
    assert [r.status_code for r in statuses] == [200, 200, 200, 200, 429, 429]
    assert WRONG in statuses[0].content.decode()
    assert right.status_code == 429
    page = right.content.decode()
    assert LOCKED in page and "paused for 15 minutes" in page
    assert not logged_in(client)


def test_the_lockout_page_is_translated(client, customer):
    # given
    for n in range(5):
        attempt(client, customer.email, f"guess-{n}", ATTACKER)
    # when
    response = client.post(
        "/account/login/",
        {"username": customer.email, "password": PASSWORD},
        REMOTE_ADDR=ATTACKER,
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    # then
    assert response.status_code == 429
    assert "Слишком много неудачных попыток входа" in response.content.decode()


def test_an_unknown_address_is_locked_out_the_same_way(client, customer):
    # when
    known = [attempt(client, customer.email, "wrong-password", ATTACKER) for _ in range(6)]
    unknown = [attempt(client, "nobody@example.kz", "wrong-password", ELSEWHERE) for _ in range(6)]
    # then: the same statuses and the same page, so the lockout tells nothing about accounts
    assert [r.status_code for r in known] == [r.status_code for r in unknown]
    assert main(known[-1]) == main(unknown[-1]) and LOCKED in main(known[-1])


def test_twenty_failures_across_accounts_lock_the_address_for_every_account(client, customer):
    # when: one wrong password for each of 21 accounts, real or not
    statuses = [
        attempt(client, f"guess{n}@example.kz", "Password-123", ATTACKER).status_code
        for n in range(21)
    ]
    right = attempt(client, customer.email, PASSWORD, ATTACKER)
    # then
    assert statuses[:19] == [200] * 19
    assert statuses[19:] == [429, 429]
    assert right.status_code == 429 and not logged_in(client)


def test_a_stranger_elsewhere_cannot_lock_a_customer_out(client, customer):
    # given: someone hammers the customer's account from their own address
    for n in range(10):
        attempt(client, customer.email, f"guess-{n}", ATTACKER)
    assert attempt(client, customer.email, PASSWORD, ATTACKER).status_code == 429
    # when: the customer logs in from home
    response = attempt(client, customer.email, PASSWORD, HOME)
    # then
    assert response.status_code == 302 and logged_in(client)


def test_logging_in_works_again_after_the_cool_off(client, customer):
    # given
    for n in range(5):
        attempt(client, customer.email, f"guess-{n}", ATTACKER)
    later(14)
    assert attempt(client, customer.email, PASSWORD, ATTACKER).status_code == 429
    # when
    later(2)
    response = attempt(client, customer.email, PASSWORD, ATTACKER)
    # then
    assert response.status_code == 302 and logged_in(client)


def test_an_address_lockout_lasts_a_whole_cool_off_from_when_it_began(client, customer):
    # given: ten failures 14 minutes ago, ten now: the address is locked
    for n in range(10):
        attempt(client, f"early{n}@example.kz", "Password-123", ATTACKER)
    later(14)
    for n in range(10):
        attempt(client, f"late{n}@example.kz", "Password-123", ATTACKER)
    # when: five minutes later the early failures are older than 15 minutes
    later(5)
    response = attempt(client, customer.email, PASSWORD, ATTACKER)
    # then: still locked, because the lockout began five minutes ago
    assert response.status_code == 429


def test_refused_attempts_do_not_prolong_the_lockout(client, customer):
    # given
    for n in range(5):
        attempt(client, customer.email, f"guess-{n}", ATTACKER)
    later(10)
    for n in range(5):  # the attacker keeps trying while locked out
        assert attempt(client, customer.email, f"more-{n}", ATTACKER).status_code == 429
    # when
    later(6)
    response = attempt(client, customer.email, PASSWORD, ATTACKER)
    # then
    assert response.status_code == 302


def test_logging_in_to_ones_own_account_does_not_reset_the_count_on_others(client, customer):
    # given: the attacker has an account of their own
    User.objects.create_user("mallory@example.kz", PASSWORD)
    for n in range(4):
        attempt(client, customer.email, f"guess-{n}", ATTACKER)
    assert attempt(client, "mallory@example.kz", PASSWORD, ATTACKER).status_code == 302
    client.post("/account/logout/", REMOTE_ADDR=ATTACKER)
    # when: the fifth wrong guess on the customer's account
    response = attempt(client, customer.email, "guess-5", ATTACKER)
    # then
    assert response.status_code == 429


def test_a_successful_login_forgets_that_accounts_failures(client, customer):
    # given
    for n in range(4):
        attempt(client, customer.email, f"typo-{n}", HOME)
    assert attempt(client, customer.email, PASSWORD, HOME).status_code == 302
    client.post("/account/logout/", REMOTE_ADDR=HOME)
    # when
    statuses = [attempt(client, customer.email, f"typo-{n}", HOME).status_code for n in range(4)]
    # then
    assert statuses == [200] * 4


def test_the_admin_login_locks_out_too(client):
    # given
    User.objects.create_superuser("owner@example.kz", PASSWORD)
    # when
    statuses = [
        attempt(client, "owner@example.kz", f"guess-{n}", ATTACKER, "/admin/login/").status_code
        for n in range(5)
    ]
    right = attempt(client, "owner@example.kz", PASSWORD, ATTACKER, "/admin/login/")
    # then
    assert statuses == [200, 200, 200, 200, 429]
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert "Duken back office" in right.content.decode()  # the admin's own look
    assert not logged_in(client)


def test_each_lockout_is_logged_as_one_json_line(client, customer, caplog):
    # when
    with caplog.at_level(logging.WARNING, logger="duken.accounts"):
        for n in range(7):
            attempt(client, customer.email, f"guess-{n}", ATTACKER)
    # then
    lockouts = [r for r in caplog.records if getattr(r, "event", "") == "login_lockout"]
    assert len(lockouts) == 1
    record = lockouts[0]
    assert (record.limit, record.account, record.user, record.ip) == (
        "account",
        customer.email,
        customer.pk,
        ATTACKER,
    )
    from duken.core.logging import JsonFormatter

    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "login locked out" and line["cool_off_minutes"] == 15


def test_shop_managers_see_a_lockout_and_lift_it(client, customer):
    # given
    for n in range(5):
        attempt(client, customer.email, f"guess-{n}", HOME)
    manager = User.objects.create_user("manager@example.kz", PASSWORD, is_staff=True)
    manager.groups.add(Group.objects.get(name="Manager"))
    staff = login_verified(Client(HTTP_ACCEPT_LANGUAGE="en"), manager)
    # when
    listing = staff.get("/admin/axes/accessattempt/")
    lifted = staff.post(
        "/admin/axes/accessattempt/",
        {
            "action": "lift_lockouts",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
        },
    )
    # then
    assert listing.status_code == 200
    page = listing.content.decode()
    assert customer.email in page and "this account from this address, until" in page
    assert lifted.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert attempt(client, customer.email, PASSWORD, HOME).status_code == 302


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client, customer):
    # when
    wrong = attempt(client, customer.email, "not-the-password", HOME)
    unknown = attempt(client, "nobody@example.kz", "not-the-password", ELSEWHERE)
    # then
    assert wrong.status_code == unknown.status_code == 200
    assert WRONG in wrong.content.decode() and WRONG in unknown.content.decode()


def test_logging_in_gives_the_session_a_new_key(client, customer):
    # given: an anonymous session (a cart, say) whose key someone may have planted
    session = client.session
    session["planted"] = True
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before
    # when
    response = attempt(client, customer.email, PASSWORD, HOME)
    # then
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before and logged_in(client)
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=before).exists()
