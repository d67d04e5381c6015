"""Password resets are throttled without telling anyone whether an address has an account,
and passwords follow the policy (at least 12 characters, not a common one)."""

import pytest
from django.core import mail

from duken.customers.models import User

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.9"


def reset(client, email, ip=ATTACKER):
    return client.post("/account/password-reset/", {"email": email}, REMOTE_ADDR=ip)


def test_the_sixth_reset_for_an_address_sends_nothing_but_looks_the_same(
    client, customer, django_capture_on_commit_callbacks
):
    # when: six requests within the cool-off, from different addresses
    with django_capture_on_commit_callbacks(execute=True):
        responses = [reset(client, customer.email, ip=f"198.51.100.{n}") for n in range(1, 7)]
    # then: five e-mails; the sixth request got the same answer and sent nothing
    assert [r.status_code for r in responses] == [302] * 6
    assert {r["Location"] for r in responses} == {"/account/password-reset/sent/"}
    assert len(mail.outbox) == 5


def test_an_address_that_asks_for_too_many_resets_is_refused_with_a_message(client, customer):
    # when: one client address asks for 21 resets, each for another address
    statuses = [reset(client, f"guess{n}@example.kz").status_code for n in range(20)]
    refused = reset(client, customer.email)
    # then
    assert statuses == [302] * 20
    assert refused.status_code == 429
    assert "Too many password reset requests from your network" in refused.content.decode()
    assert mail.outbox == []
    # another client address is not held back
    assert reset(client, customer.email, ip="198.51.100.7").status_code == 302


def test_reset_limits_count_known_and_unknown_addresses_alike(
    client, customer, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        known = [reset(client, customer.email, ip="198.51.100.1").status_code for _ in range(6)]
        unknown = [
            reset(client, "nobody@example.kz", ip="198.51.100.2").status_code for _ in range(6)
        ]
    # then
    assert known == unknown == [302] * 6


@pytest.mark.parametrize(
    "password, message",
    [
        ("Short-pw-26", "This password is too short. It must contain at least 12 characters."),
        ("qwerty123456", "This password is too common."),
    ],
)
def test_changing_to_a_short_or_common_password_is_refused(client, customer, password, message):
    # given
    client.force_login(customer)
    # when
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    # then
    assert response.status_code == 200 and message in response.content.decode()
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_signing_up_with_an_eleven_character_password_is_refused(client):
    # when
    response = client.post(
        "/account/register/",
        {"email": "new@example.kz", "first_name": "Aru", "password": "Eleven-ch26"},
    )
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "at least 12 characters" in page
    assert not User.objects.filter(email="new@example.kz").exists()
