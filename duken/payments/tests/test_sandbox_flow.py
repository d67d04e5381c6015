"""The card flow through the sandbox's hosted page, driven with the Django test client."""

import json
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from duken.payments import services
from duken.payments.models import Payment, PaymentCallback, SandboxCharge
from duken.payments.providers import get_provider
from duken.payments.providers.sandbox import SIGNATURE_HEADER, sign_body
from duken.payments.sandbox import CardError, card_outcome, luhn_valid

from .helpers import make_order, request_for

CARD = {"expiry": "12/39", "cvc": "123", "holder": "Aigerim S."}


def _path(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _start(order):
    start = services.start_payment(order, request=request_for())
    assert start.redirect_url.startswith("http://testserver/pay/sandbox/")
    return start


def _pay(client, start, number):
    response = client.post(_path(start.redirect_url), {"number": number, **CARD})
    assert response.status_code == 302
    return response["Location"]


def test_luhn():
    assert luhn_valid("4242424242424242")
    assert luhn_valid("4000000000000002")
    assert not luhn_valid("4242424242424241")


@pytest.mark.parametrize(
    "number,expiry,cvc,field",
    [
        ("4242 4242 4242 4241", "12/39", "123", "number"),
        ("abcd", "12/39", "123", "number"),
        ("4242 4242 4242 424²", "12/39", "123", "number"),
        ("4242 4242 4242 4242", "13/39", "123", "expiry"),
        ("4242 4242 4242 4242", "01/20", "123", "expiry"),
        ("4242 4242 4242 4242", "12/39", "12", "cvc"),
        ("5555 5555 5555 4444", "12/39", "123", "number"),  # valid, but not a test card
    ],
)
def test_card_input_a_gateway_refuses(number, expiry, cvc, field):
    with pytest.raises(CardError) as refused:
        card_outcome(number, expiry, cvc)
    assert refused.value.field == field


@pytest.mark.django_db
def test_hosted_page_is_labelled_test_mode(client):
    order = make_order()
    start = _start(order)
    response = client.get(_path(start.redirect_url), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Duken Sandbox Pay" in page
    assert "TEST MODE" in page
    assert start.payment.reference in page


@pytest.mark.django_db
def test_successful_card_payment_marks_the_order_paid_on_return(client):
    # given an order paid by card
    order = make_order()
    start = _start(order)
    # when the buyer pays with the success card and comes back
    return_url = _pay(client, start, "4242 4242 4242 4242")
    response = client.get(_path(return_url))
    # then
    assert response.status_code in (200, 302)
    payment = Payment.objects.get(pk=start.payment.pk)
    order.refresh_from_db()
    assert payment.status == "succeeded"
    assert order.status == "paid"
    assert order.paid_at is not None


@pytest.mark.django_db
def test_declined_card_offers_to_try_again_or_pay_another_way(client):
    # given a declined card
    order = make_order()
    start = _start(order)
    return_url = _pay(client, start, "4000 0000 0000 0002")
    # when the buyer returns
    response = client.get(_path(return_url), HTTP_ACCEPT_LANGUAGE="en")
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "declined" in page
    assert 'value="bank_transfer"' in page
    assert Payment.objects.get(pk=start.payment.pk).status == "declined"
    order.refresh_from_db()
    assert order.paid_at is None
    # when they try the card again: a new payment with a new idempotency key
    token = urlsplit(return_url).path.strip("/").split("/")[-1]
    retry = client.post(f"/payments/{token}/retry/", {"method": "card"})
    assert retry.status_code == 302 and "/pay/sandbox/" in retry["Location"]
    payments = list(order.payments.order_by("created_at"))
    assert len(payments) == 2
    assert payments[0].idempotency_key != payments[1].idempotency_key
    # when they switch to bank transfer instead
    switch = client.post(f"/payments/{token}/retry/", {"method": "bank_transfer"}, follow=True)
    order.refresh_from_db()
    assert order.payment_method == "bank_transfer"
    assert order.payments.get(status="pending").provider == "bank_transfer"
    assert order.payments.filter(provider="card", status="cancelled").count() == 1
    assert "PAY-" in switch.content.decode()


@pytest.mark.django_db
def test_submitting_the_card_form_twice_charges_once(client):
    # given a buyer who pays and then resubmits the same page
    order = make_order()
    start = _start(order)
    first = _pay(client, start, "4242 4242 4242 4242")
    # when
    second = client.post(_path(start.redirect_url), {"number": "4242424242424242", **CARD})
    # then one charge, and the same outcome
    assert SandboxCharge.objects.count() == 1
    assert second.status_code == 302
    assert urlsplit(second["Location"]).path == urlsplit(first).path


@pytest.mark.django_db
def test_invalid_card_is_refused_on_the_page_and_not_echoed(client):
    order = make_order()
    start = _start(order)
    response = client.post(
        _path(start.redirect_url),
        {"number": "4242 4242 4242 4241", **CARD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert "not valid" in response.content.decode()
    assert "4242 4242 4242 4241" not in response.content.decode()
    assert SandboxCharge.objects.count() == 0


@pytest.mark.django_db
def test_timeout_card_leaves_the_buyer_waiting_then_times_out(client):
    # given the card whose bank never answers
    order = make_order()
    start = _start(order)
    return_url = _pay(client, start, "4000 0000 0000 0119")
    # when the buyer returns at once
    waiting = client.get(_path(return_url), HTTP_ACCEPT_LANGUAGE="en")
    # then they wait (the page refreshes itself)
    assert waiting.status_code == 200
    assert 'http-equiv="refresh"' in waiting.content.decode()
    assert Payment.objects.get(pk=start.payment.pk).status == "pending"
    # when the configured time has passed
    Payment.objects.filter(pk=start.payment.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    timed_out = client.get(_path(return_url), HTTP_ACCEPT_LANGUAGE="en")
    # then the payment timed out and the buyer may pay again
    assert Payment.objects.get(pk=start.payment.pk).status == "timed_out"
    assert "did not confirm" in timed_out.content.decode()
    order.refresh_from_db()
    assert order.paid_at is None and order.status == "awaiting_payment"


@pytest.mark.django_db
def test_expire_stale_payments_times_out_only_overdue_ones():
    # given one overdue and one fresh card payment
    overdue = _start(make_order()).payment
    fresh = _start(make_order()).payment
    Payment.objects.filter(pk=overdue.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    # when
    count = services.expire_stale_payments()
    # then
    assert count == 1
    assert Payment.objects.get(pk=overdue.pk).status == "timed_out"
    assert Payment.objects.get(pk=fresh.pk).status == "pending"
    # and a second run finds nothing
    assert services.expire_stale_payments() == 0


@pytest.mark.django_db
def test_forged_session_or_status_token_is_refused(client):
    order = make_order()
    start = _start(order)
    forged = _path(start.redirect_url).rstrip("/") + "x/"
    assert client.get(forged).status_code == 400
    assert client.get(f"/payments/{start.payment.reference}:forged/").status_code == 404


@pytest.mark.django_db
def test_a_forged_return_result_changes_nothing(client):
    # given a buyer who edits the return link to claim success
    order = make_order()
    start = _start(order)
    status_url = services.payment_status_url(start.payment)
    # when
    client.get(status_url + "?result=eyJzdGF0dXMiOiJzdWNjZWVkZWQifQ:forged:sig")
    # then
    assert Payment.objects.get(pk=start.payment.pk).status == "pending"
    order.refresh_from_db()
    assert order.paid_at is None


@pytest.mark.django_db
def test_hosted_page_refuses_an_attempt_the_shop_gave_up_on(client):
    # given a payment whose time ran out before the buyer paid
    order = make_order()
    payment = Payment.objects.create(
        order=order,
        provider="card",
        amount=order.total,
        reference="PAY-EXPRD234",
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    start = get_provider("card").start(payment, request=request_for())
    # when the buyer submits the success card on the old page
    response = client.post(_path(start.redirect_url), {"number": "4242424242424242", **CARD})
    # then nothing is charged
    assert response.status_code == 400
    assert SandboxCharge.objects.count() == 0


@pytest.mark.django_db
def test_cancel_on_the_hosted_page_returns_the_buyer_to_choose_again(client):
    # given a buyer who cancels on the payment page
    order = make_order()
    start = _start(order)
    response = client.post(_path(start.redirect_url), {"cancel": "1"})
    # when they land back in the shop
    page = client.get(_path(response["Location"]), HTTP_ACCEPT_LANGUAGE="en")
    # then the attempt is cancelled, nothing was charged, and they may choose again
    assert Payment.objects.get(pk=start.payment.pk).status == "cancelled"
    assert SandboxCharge.objects.get().outcome == "cancelled"
    assert "cancelled" in page.content.decode()
    assert 'name="method"' in page.content.decode()
    # and the old page cannot be used to pay that attempt any more
    again = client.post(_path(start.redirect_url), {"number": "4242424242424242", **CARD})
    assert again.status_code == 302
    assert SandboxCharge.objects.count() == 1
    order.refresh_from_db()
    assert order.paid_at is None


@pytest.mark.django_db
def test_the_worker_is_asked_to_time_out_the_payment(settings, django_capture_on_commit_callbacks):
    # given the database task queue
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # when a card payment starts
    with django_capture_on_commit_callbacks(execute=True):
        payment = _start(make_order()).payment
    # then the expiry check is queued for just after the payment's deadline
    job = DBTaskResult.objects.get(task_path__endswith="expire_stale_payments_task")
    assert job.run_after > payment.expires_at
    assert (job.run_after - payment.expires_at).total_seconds() < 5


@pytest.mark.django_db
def test_callback_endpoint_refuses_junk_and_unknown_providers(client):
    # given a body that is not JSON, and a provider that does not exist
    junk = client.post(
        "/payments/callback/sandbox/", data=b"not json", content_type="application/json"
    )
    unknown = client.post("/payments/callback/nope/", data=b"{}", content_type="application/json")
    # then both are refused and kept for the audit trail
    assert junk.status_code == 400
    assert unknown.status_code == 400
    from duken.payments.models import PaymentCallback

    reasons = set(PaymentCallback.objects.values_list("reason", flat=True))
    assert reasons == {"body is not a JSON object", "unknown provider"}
    assert client.get("/payments/callback/sandbox/").status_code == 405


@pytest.mark.django_db
def test_the_payment_page_token_shows_the_buyer_nothing_of_the_callback(client):
    # given the hosted page's address a buyer is sent to
    order = make_order()
    start = _start(order)
    token = urlsplit(start.redirect_url).path.rstrip("/").rsplit("/", 1)[1]
    # when the buyer decodes every part of it
    import base64
    import zlib

    seen = b""
    for part in token.replace(":", ".").split("."):
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        seen += raw
        try:
            seen += zlib.decompress(raw)
        except zlib.error:
            pass
    # then neither the callback's address nor its idempotency key can be read
    assert b"callback" not in seen
    assert str(start.payment.idempotency_key).encode() not in seen
    assert start.payment.reference.encode() not in seen


@pytest.mark.django_db
def test_tokens_made_with_the_shops_secret_key_do_not_open_the_gateway(client, settings):
    # given an attacker who knows the shop's SECRET_KEY (the old sandbox key) and forges a
    # session and a "succeeded" result with it
    from django.core import signing

    order = make_order()
    start = _start(order)
    session = {
        "reference": start.payment.reference,
        "amount": "1",
        "currency": "KZT",
        "idempotency_key": str(start.payment.idempotency_key),
        "callback_url": "http://testserver/payments/callback/sandbox/",
        "return_url": "http://testserver/",
    }
    forged = signing.dumps(session, key=settings.SECRET_KEY, salt="duken.payments.sandbox.session")
    assert client.get(f"/pay/sandbox/{forged}/").status_code == 400
    result = signing.dumps(
        {**session, "status": "succeeded", "charge_id": "sbx_1"},
        key=settings.SECRET_KEY,
        salt="duken.payments.sandbox.result",
        compress=True,
    )
    client.get(services.payment_status_url(start.payment) + "?result=" + result)
    # then nothing is paid
    assert Payment.objects.get(pk=start.payment.pk).status == "pending"
    order.refresh_from_db()
    assert order.paid_at is None


@pytest.mark.django_db
def test_a_callback_signed_with_the_shops_secret_key_is_refused(client, settings):
    import hashlib
    import hmac
    import json
    import time

    order = make_order()
    start = _start(order)
    body = json.dumps(
        {
            "reference": start.payment.reference,
            "amount": str(start.payment.amount),
            "currency": "KZT",
            "status": "succeeded",
            "idempotency_key": str(start.payment.idempotency_key),
            "charge_id": "sbx_forged",
            "timestamp": int(time.time()),
        }
    ).encode()
    signature = hmac.new(settings.SECRET_KEY.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        "/payments/callback/sandbox/",
        body,
        content_type="application/json",
        HTTP_X_SANDBOX_SIGNATURE=signature,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "bad signature"
    order.refresh_from_db()
    assert order.paid_at is None


@pytest.mark.django_db
def test_the_storefront_says_the_sandbox_is_a_test(client):
    from duken.payments.services import payment_methods

    card = {m.code: m for m in payment_methods()}["card"]
    assert card.is_test
    order = make_order()
    start = _start(order)
    page = client.get(services.payment_status_url(start.payment)).content.decode()
    assert "Test payment: no money is taken" in page


def _signed_callback(client, payment, **changes):
    """A callback signed with the gateway's secret, as only the gateway can send it."""
    data = {
        "reference": payment.reference,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "status": "succeeded",
        "idempotency_key": str(payment.idempotency_key),
        "charge_id": "sbx_test",
        "timestamp": int(time.time()),
        **changes,
    }
    body = json.dumps(data).encode()
    return client.post(
        "/payments/callback/sandbox/",
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: sign_body(body)},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b'{"a":' * 2000,
        b"[" * 5000 + b"]" * 5000,
        b'{"timestamp": NaN, "amount": Infinity}',
        b'{"timestamp": 1e999}',
    ],
)
def test_a_deeply_nested_or_non_finite_callback_body_is_refused_like_junk(client, body):
    # when
    response = client.post(
        "/payments/callback/sandbox/", data=body, content_type="application/json"
    )
    # then the usual JSON error, and the attempt is kept for the audit trail
    assert response.status_code == 400
    assert response.json()["error"] == "body is not a JSON object"
    assert PaymentCallback.objects.get().reason == "body is not a JSON object"


@pytest.mark.django_db
@pytest.mark.parametrize("timestamp", ["nan", "inf", "-inf", "NaN", "Infinity"])
def test_a_signed_callback_with_a_non_finite_timestamp_is_refused(client, timestamp):
    # given a card payment waiting for the gateway
    payment = _start(make_order()).payment
    # when a signed callback says it succeeded, at a time that is no time
    response = _signed_callback(client, payment, timestamp=timestamp)
    # then it is refused and nothing changes
    assert response.status_code == 400
    assert response.json()["error"] == "missing timestamp"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.order.paid_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["inf", "NaN", "sNaN"])
def test_a_signed_callback_with_a_non_finite_amount_is_refused(client, amount):
    # given
    payment = _start(make_order()).payment
    # when
    response = _signed_callback(client, payment, amount=amount)
    # then
    assert response.status_code == 400
    assert response.json()["error"] == "malformed callback body"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


@pytest.mark.django_db
def test_a_signed_callback_with_a_fresh_timestamp_still_pays(client):
    # given
    payment = _start(make_order()).payment
    # when
    response = _signed_callback(client, payment)
    # then
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


@pytest.mark.django_db
def test_a_callback_for_a_provider_with_a_very_long_name_is_kept_within_the_column(client):
    # when
    response = client.post(
        f"/payments/callback/{'z' * 3000}/", data=b"{}", content_type="application/json"
    )
    # then (PostgreSQL refuses a longer value than the column's)
    assert response.status_code == 400
    assert PaymentCallback.objects.get().provider == "z" * 32


@pytest.mark.django_db
@pytest.mark.parametrize("body", [bytes(range(256)), b'{"reference": "nul \\u0000"}'])
def test_a_callback_body_holding_nul_characters_is_refused_and_kept_without_them(client, body):
    # when
    response = client.post(
        "/payments/callback/sandbox/", data=body, content_type="application/json"
    )
    # then the usual refusal, and the audit trail holds what PostgreSQL can store
    assert response.status_code == 400
    assert response.json()["error"] == "body is not a JSON object"
    kept = PaymentCallback.objects.get().payload
    assert not any("\x00" in value for value in kept.values() if isinstance(value, str))
