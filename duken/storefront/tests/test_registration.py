"""Whether an address has an account is told to nobody but its mailbox: the sign-up page, the
log-in page and the password reset answer a taken address exactly as a new one (same page,
same status, the same work in the request); the e-mail differs."""

import re

import pytest
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from duken.customers import registration
from duken.customers.models import PendingRegistration, User

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')
FINISH = re.compile(r"http://127\.0\.0\.1:8000(/account/register/finish/\S+/)")


def _visitor():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _page(response) -> str:
    """The page as the visitor sees it, without what differs on every request."""
    return CSRF.sub("", response.content.decode())


def _sign_up(client, email, password="Another-Secret-2027"):
    return client.post(
        "/account/register/", {"email": email, "first_name": "Dana", "password": password}
    )


def test_signing_up_with_a_taken_address_looks_exactly_like_a_new_one(customer):
    # given the shop's pages served once (its menu is cached from then on)
    _visitor().get("/account/register/")
    # when an attacker signs up with an address that has an account and with a new one,
    # recording what each request does (the e-mail is sent by a task after the request)
    with CaptureQueriesContext(connection) as taken_queries:
        taken = _sign_up(_visitor(), "dana@example.kz")
    with CaptureQueriesContext(connection) as new_queries:
        new = _sign_up(_visitor(), "nobody@example.kz")
    # then the status and the page are the same but for the address
    assert taken.status_code == new.status_code == 200
    assert _page(taken).replace("dana@example.kz", "ADDRESS") == _page(new).replace(
        "nobody@example.kz", "ADDRESS"
    )
    assert "We sent a link to dana@example.kz to finish creating your account" in _page(taken)
    # and the request did the same work: the same statements, in the same order (the
    # password is hashed for both: neither looks the account up)
    assert [_shape(q["sql"]) for q in taken_queries] == [_shape(q["sql"]) for q in new_queries]
    assert not any("customers_user" in q["sql"] for q in new_queries.captured_queries)
    # and the existing account is untouched
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def _shape(sql: str) -> str:
    return re.sub(r"'[^']*'|\b\d+\b|\"s\d+_x\d+\"", "?", sql)


def test_the_taken_address_is_told_someone_tried_with_links_to_log_in_and_reset(
    customer, django_capture_on_commit_callbacks
):
    # when someone signs up with a customer's address
    with django_capture_on_commit_callbacks(execute=True):
        _sign_up(_visitor(), "DANA@example.kz")
    # then the customer gets a notice, with no link that could change the account
    (notice,) = mail.outbox
    assert notice.to == ["dana@example.kz"]
    assert notice.subject == "Duken: someone tried to create an account with your address"
    assert "You already have an account" in notice.body
    assert "http://127.0.0.1:8000/account/login/" in notice.body
    assert "http://127.0.0.1:8000/account/password-reset/" in notice.body
    assert not FINISH.search(notice.body)
    # and no password is kept for the address
    assert PendingRegistration.objects.get(email="dana@example.kz").password == ""
    assert User.objects.count() == 1


def test_a_new_address_gets_a_link_that_creates_the_account_with_the_chosen_password(
    django_capture_on_commit_callbacks,
):
    # given a sign-up
    visitor = _visitor()
    with django_capture_on_commit_callbacks(execute=True):
        _sign_up(visitor, "aliya@example.kz", password="Steppe-Winds-2026")
    (message,) = mail.outbox
    assert message.subject == "Duken: finish creating your account"
    link = FINISH.search(message.body)[1]
    # the link carries no password, hashed or not; nothing exists before it is followed
    token = link.split("/")[-2]
    payload = signing.loads(token, salt=registration.LINK_SALT)
    assert set(payload) == {"p", "n"}
    assert "Steppe" not in token and not User.objects.exists()
    # when the address's owner opens it (a mail scanner's GET creates nothing) and confirms
    assert _visitor().get(link).status_code == 200
    assert not User.objects.exists()
    mailbox = _visitor()
    finished = mailbox.post(link)
    # then the account is active, logged in, with the password chosen at sign-up
    assert finished["Location"] == "/account/"
    user = User.objects.get(email="aliya@example.kz")
    assert user.is_active and user.check_password("Steppe-Winds-2026")
    assert mailbox.get("/account/").status_code == 200
    # and the link works once
    again = _visitor().post(link)
    assert again.status_code == 404 and "not valid any more" in again.content.decode()
    assert User.objects.count() == 1


def test_signing_up_again_does_not_flood_the_address(customer, django_capture_on_commit_callbacks):
    # when an attacker signs up with the same addresses again and again
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            _sign_up(_visitor(), "dana@example.kz")
            _sign_up(_visitor(), "new@example.kz")
    # then each address got one e-mail
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@example.kz", "new@example.kz"]


def test_a_forged_finishing_link_creates_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _sign_up(_visitor(), "aliya@example.kz")
    link = FINISH.search(mail.outbox[0].body)[1]
    pending = PendingRegistration.objects.get()
    forged = signing.dumps({"p": pending.pk, "n": "0" * 16}, salt=registration.LINK_SALT)
    assert _visitor().post(f"/account/register/finish/{forged}/").status_code == 404
    assert _visitor().post(link[:-4] + "xyz/").status_code == 404
    assert not User.objects.exists()


def test_the_login_page_answers_an_unknown_address_as_a_wrong_password(customer):
    unknown = _visitor().post(
        "/account/login/", {"username": "nobody@example.kz", "password": "Wrong-Pass-2026"}
    )
    wrong = _visitor().post(
        "/account/login/", {"username": customer.email, "password": "Wrong-Pass-2026"}
    )
    assert unknown.status_code == wrong.status_code == 200
    assert _page(unknown).replace("nobody@example.kz", "X") == _page(wrong).replace(
        customer.email, "X"
    )


def test_password_reset_answers_an_unknown_address_as_a_known_one(customer, settings):
    # given the shop's own task queue (the worker sends the e-mail after the request)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with CaptureQueriesContext(connection) as unknown_queries:
        unknown = _visitor().post("/account/password-reset/", {"email": "nobody@example.kz"})
    known_mail = len(mail.outbox)
    with CaptureQueriesContext(connection) as known_queries:
        known = _visitor().post("/account/password-reset/", {"email": customer.email})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert [_shape(q["sql"]) for q in unknown_queries] == [_shape(q["sql"]) for q in known_queries]
    assert known_mail == 0 and mail.outbox == []


@pytest.mark.parametrize(
    ("language", "page", "subject"),
    [
        ("kk", "мекенжайына сілтеме жібердік", "Duken: аккаунт ашуды аяқтаңыз"),
        ("ru", "ссылку, чтобы завершить создание аккаунта", "Duken: завершите создание аккаунта"),
    ],
)
def test_signing_up_speaks_the_visitors_language(
    settings, django_capture_on_commit_callbacks, language, page, subject
):
    visitor = _visitor()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with django_capture_on_commit_callbacks(execute=True):
        response = _sign_up(visitor, "aliya@example.kz")
    assert page in response.content.decode()
    assert mail.outbox[0].subject == subject
