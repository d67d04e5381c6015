"""The second factor as people meet it: staff are made to set it up before any admin or
back-office page opens, logging in then takes a code, recovery codes work once, customers
may turn it on and off. Codes come from the real TOTP algorithm on the stored key."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.db.models import F
from django_otp.plugins.otp_totp.models import TOTPDevice

from duken.customers import twofactor
from duken.customers.models import RecoveryCode, RecoveryCodes, User
from duken.testing.accounts import authenticator, login_verified, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "Steppe-Winds-2026"
HOME = "198.51.100.7"
WRONG_CODE = "That code is not right"


@pytest.fixture
def manager():
    user = User.objects.create_user("manager@example.kz", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Manager"))
    return user


@pytest.fixture
def customer():
    return User.objects.create_user("dana@example.kz", PASSWORD, first_name="Dana")


def log_in(client, user, path="/account/login/", **data):
    return client.post(
        path, {"username": user.email, "password": PASSWORD, **data}, REMOTE_ADDR=HOME
    )


def enter_code(client, code, next_url=""):
    return client.post("/account/login/code/", {"code": code, "next": next_url}, REMOTE_ADDR=HOME)


def a_moment_later():
    """django-otp's back-off after a wrong code (1 s, then 2, 4, ...) has passed."""
    for model in (TOTPDevice, RecoveryCodes):
        model.objects.update(
            throttling_failure_timestamp=F("throttling_failure_timestamp") - timedelta(hours=1)
        )


def logged_in_as(client):
    return client.session.get("_auth_user_id")


def test_staff_without_a_second_factor_are_sent_to_set_one_up(client, manager):
    # given: the password alone
    log_in(client, manager, "/admin/login/")
    # when
    admin = client.get("/admin/")
    backoffice = client.get("/backoffice/customers/")
    # then
    assert admin.status_code == backoffice.status_code == 302
    assert admin["Location"] == "/account/security/two-step/?next=%2Fadmin%2F"
    assert backoffice["Location"].startswith("/account/security/two-step/")
    assert client.get("/admin/customers/user/").status_code == 302


def test_staff_set_up_the_app_and_the_admin_opens(client, manager):
    # given
    log_in(client, manager, "/admin/login/")
    page = client.get("/account/security/two-step/?next=/admin/")
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    # when: a wrong code, then the app's code
    wrong = client.post("/account/security/two-step/", {"code": "000000", "next": "/admin/"})
    a_moment_later()
    right = client.post(
        "/account/security/two-step/", {"code": totp_code(device), "next": "/admin/"}
    )
    # then
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and "Staff accounts need" in body
    assert twofactor.key_text(device) in body
    assert wrong.status_code == 400 and WRONG_CODE in wrong.content.decode()
    assert right.status_code == 200
    codes = re.findall(r"<li>([a-z0-9]{4}(?:-[a-z0-9]{4}){3})</li>", right.content.decode())
    assert len(codes) == 10 and 'href="/admin/"' in right.content.decode()
    # only the codes' hashes are kept
    stored = set(RecoveryCode.objects.values_list("digest", flat=True))
    assert len(stored) == 10 and not stored & set(codes)
    assert client.get("/admin/").status_code == 200
    assert client.get("/backoffice/customers/").status_code == 200


def test_a_wrong_code_during_set_up_changes_nothing(client, customer):
    # given
    client.force_login(customer)
    client.get("/account/security/two-step/")
    # when
    response = client.post("/account/security/two-step/", {"code": "12345"})
    # then
    assert response.status_code == 400 and WRONG_CODE in response.content.decode()
    assert not twofactor.has_second_factor(customer)
    assert not RecoveryCode.objects.exists()


def test_with_a_second_factor_the_password_alone_logs_nobody_in(client, manager):
    # given
    device = authenticator(manager)
    # when
    response = log_in(client, manager, "/admin/login/", next="/admin/")
    # then
    assert response.status_code == 302
    assert response["Location"] == "/account/login/code/?next=%2Fadmin%2F"
    assert logged_in_as(client) is None
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    # when: a wrong code, then the right one
    wrong = enter_code(client, "000000", "/admin/")
    a_moment_later()
    right = enter_code(client, totp_code(device), "/admin/")
    # then
    assert wrong.status_code == 400 and WRONG_CODE in wrong.content.decode()
    assert right.status_code == 302 and right["Location"] == "/admin/"
    assert logged_in_as(client) == str(manager.pk)
    assert client.get("/admin/").status_code == 200


def test_a_staff_session_that_did_not_pass_the_code_is_sent_to_enter_one(client, manager):
    # given: a staff member with an app, logged in by some other way than the code page
    authenticator(manager)
    client.force_login(manager)
    # when
    response = client.get("/backoffice/inbox/")
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/code/?next=%2Fbackoffice%2Finbox%2F")
    assert client.get("/admin/").status_code == 302


def test_a_verified_staff_session_opens_the_staff_pages(client, manager):
    # when
    login_verified(client, manager)
    # then
    assert client.get("/admin/").status_code == 200
    assert client.get("/backoffice/customers/").status_code == 200


def test_a_recovery_code_works_once(client, customer):
    # given
    authenticator(customer)
    code = twofactor._replace_recovery_codes(customer)[0]
    # when
    log_in(client, customer)
    first = enter_code(client, code.upper().replace("-", " "))
    client.post("/account/logout/")
    log_in(client, customer)
    again = enter_code(client, code)
    # then
    assert first.status_code == 302 and first["Location"] == "/account/"
    assert again.status_code == 400 and WRONG_CODE in again.content.decode()
    assert logged_in_as(client) is None
    assert twofactor.recovery_codes_left(customer) == 9


def test_wrong_codes_count_towards_the_login_lockout(client, customer):
    # given: the password is known, the phone is not
    authenticator(customer)
    log_in(client, customer)
    # when
    statuses = []
    for n in range(6):
        statuses.append(enter_code(client, f"{n:06d}").status_code)
        a_moment_later()
    # then
    assert statuses[:4] == [400] * 4
    assert statuses[4:] == [429, 429]
    assert AccessAttempt.objects.filter(username=customer.email).exists()
    assert logged_in_as(client) is None


def test_the_code_page_without_a_password_first_sends_to_the_login(client, customer):
    # when
    response = enter_code(client, "123456")
    # then
    assert response.status_code == 302 and response["Location"] == "/account/login/"


def test_a_customer_turns_two_step_verification_on_and_off(client, customer):
    # given
    client.force_login(customer)
    client.get("/account/security/two-step/")
    device = TOTPDevice.objects.get(user=customer)
    on = client.post("/account/security/two-step/", {"code": totp_code(device)})
    assert on.status_code == 200 and twofactor.has_second_factor(customer)
    # when: a wrong code, then a good one
    refused = client.post("/account/security/two-step/off/", {"code": "999999"}, follow=True)
    still_on = twofactor.has_second_factor(customer)
    a_moment_later()
    off = client.post(
        "/account/security/two-step/off/", {"code": totp_code(device, 1)}, follow=True
    )
    # then
    assert WRONG_CODE in refused.content.decode() and still_on
    assert "Two-step verification is off." in off.content.decode()
    assert not twofactor.has_second_factor(customer)
    assert not RecoveryCode.objects.exists()
    # and the password alone logs in again
    client.post("/account/logout/")
    assert log_in(client, customer)["Location"] == "/account/"


def test_staff_cannot_turn_their_second_factor_off(client, manager):
    # given
    device = authenticator(manager)
    login_verified(client, manager)
    # when
    response = client.post(
        "/account/security/two-step/off/", {"code": totp_code(device)}, follow=True
    )
    # then
    assert "Staff accounts must keep two-step verification." in response.content.decode()
    assert twofactor.has_second_factor(manager)


def test_turning_it_on_ends_the_other_sessions(client, customer):
    # given: the customer is also logged in elsewhere
    from django.test import Client

    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en")
    elsewhere.force_login(customer)
    client.force_login(customer)
    client.get("/account/security/two-step/")
    device = TOTPDevice.objects.get(user=customer)
    # when
    client.post("/account/security/two-step/", {"code": totp_code(device)})
    # then
    assert elsewhere.get("/account/").status_code == 302
    assert client.get("/account/").status_code == 200


def test_log_out_everywhere_ends_the_customers_other_sessions(client, customer):
    # given: the same customer in two browsers
    from django.test import Client

    phone = Client(HTTP_ACCEPT_LANGUAGE="en")
    phone.force_login(customer)
    client.force_login(customer)
    assert phone.get("/account/").status_code == 200
    # when
    response = client.post("/account/security/log-out-everywhere/", follow=True)
    # then
    assert "You are logged out in every other browser and device." in response.content.decode()
    assert phone.get("/account/")["Location"].startswith("/account/login/")
    assert client.get("/account/").status_code == 200


def test_the_security_page_shows_the_state(client, customer):
    # given
    client.force_login(customer)
    # when
    off = client.get("/account/security/").content.decode()
    authenticator(customer)
    twofactor._replace_recovery_codes(customer)
    on = client.get("/account/security/").content.decode()
    # then
    assert "Turn on two-step verification" in off
    assert "You have 10 recovery codes left." in on
