"""Real HTTP callbacks against a running server (pytest-django's live_server)."""

import json
import logging
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from django.db import connection

from duken.payments import services
from duken.payments.models import Payment, PaymentCallback
from duken.payments.providers.sandbox import SIGNATURE_HEADER, sign_body
from duken.payments.sandbox import post_callback

from .helpers import make_order, request_for

CARD = {"expiry": "12/39", "cvc": "123", "holder": "Aigerim S."}
SUCCESS_CARD = "4242 4242 4242 4242"


def _host(live_server):
    return urlsplit(live_server.url).netloc


def _callback_url(live_server):
    return f"{live_server.url}/payments/callback/sandbox/"


def _body(payment, **changes) -> bytes:
    data = {
        "reference": payment.reference,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "status": "succeeded",
        "idempotency_key": str(payment.idempotency_key),
        "charge_id": "sbx_test",
        "timestamp": int(time.time()),
    }
    data.update(changes)
    return json.dumps(data).encode()


def _post_raw(url, body, signature):
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _wait_for(condition, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _pay_on_hosted_page(client, live_server, order, number):
    """The buyer's side: start, then submit the card on the gateway's page. The return
    redirect is not followed, so only the server-to-server callback can confirm."""
    host = _host(live_server)
    start = services.start_payment(order, request=request_for(host))
    assert start.redirect_url.startswith(live_server.url)
    parts = urlsplit(start.redirect_url)
    response = client.post(parts.path, {"number": number, **CARD}, HTTP_HOST=host)
    assert response.status_code == 302
    return start.payment


@pytest.mark.django_db(transaction=True)
def test_success_is_confirmed_by_a_real_signed_callback(client, live_server):
    # given a buyer paying with the success card
    order = make_order()
    # when
    payment = _pay_on_hosted_page(client, live_server, order, SUCCESS_CARD)
    # then the gateway's HTTP callback arrives and marks the order paid
    assert _wait_for(lambda: PaymentCallback.objects.filter(payment=payment).exists())
    callback = PaymentCallback.objects.get(payment=payment)
    assert callback.accepted
    assert callback.payload["status"] == "succeeded"
    assert callback.remote_addr == "127.0.0.1"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == "succeeded"
    assert payment.provider_reference.startswith("sbx_")
    assert order.status == "paid"


@pytest.mark.django_db(transaction=True)
def test_decline_is_reported_by_a_real_callback(client, live_server):
    order = make_order()
    payment = _pay_on_hosted_page(client, live_server, order, "4000 0000 0000 0002")
    assert _wait_for(lambda: PaymentCallback.objects.filter(payment=payment).exists())
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == "declined"
    assert order.paid_at is None and order.status == "awaiting_payment"


@pytest.mark.django_db(transaction=True)
def test_timeout_card_sends_no_callback(client, live_server):
    order = make_order()
    payment = _pay_on_hosted_page(client, live_server, order, "4000 0000 0000 0119")
    time.sleep(1.5)
    assert not PaymentCallback.objects.exists()
    payment.refresh_from_db()
    assert payment.status == "pending"


@pytest.mark.django_db(transaction=True)
def test_tampered_callback_is_rejected_logged_and_changes_nothing(live_server, caplog):
    # given a pending card payment and a callback whose body was changed after signing
    order = make_order()
    payment = services.start_payment(order, request=request_for(_host(live_server))).payment
    genuine = _body(payment, status="declined")
    tampered = genuine.replace(b'"declined"', b'"succeeded"')
    caplog.set_level(logging.INFO)
    # when
    status, answer = _post_raw(_callback_url(live_server), tampered, sign_body(genuine))
    # then
    assert status == 400
    assert answer["error"] == "bad signature"
    record = PaymentCallback.objects.get()
    assert record.accepted is False
    assert record.reason == "bad signature"
    assert record.payload["status"] == "succeeded"  # kept as received, for the audit trail
    assert any(
        r.getMessage() == "payment callback rejected" and r.reason == "bad signature"
        for r in caplog.records
    )
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == "pending"
    assert order.paid_at is None


@pytest.mark.django_db(transaction=True)
def test_unsigned_and_stale_callbacks_are_rejected(live_server):
    order = make_order()
    payment = services.start_payment(order, request=request_for(_host(live_server))).payment
    url = _callback_url(live_server)
    # no signature at all
    assert _post_raw(url, _body(payment), "")[0] == 400
    # a correctly signed callback from long ago (a replay of an old message)
    stale = _body(payment, timestamp=int(time.time()) - 3600)
    status, answer = _post_raw(url, stale, sign_body(stale))
    assert (status, answer["error"]) == (400, "stale timestamp")
    assert PaymentCallback.objects.filter(accepted=False).count() == 2
    payment.refresh_from_db()
    assert payment.status == "pending"


@pytest.mark.django_db(transaction=True)
def test_amount_mismatch_is_rejected(live_server):
    # given a correctly signed callback that reports another amount
    order = make_order(total="12500.00")
    payment = services.start_payment(order, request=request_for(_host(live_server))).payment
    body = _body(payment, amount="125.00")
    # when
    status, answer = _post_raw(_callback_url(live_server), body, sign_body(body))
    # then
    assert status == 400
    assert answer["error"] == "amount or currency does not match"
    assert PaymentCallback.objects.get().accepted is False
    order.refresh_from_db()
    assert order.paid_at is None
    # and another currency is refused the same way
    body = _body(payment, currency="USD")
    assert _post_raw(_callback_url(live_server), body, sign_body(body))[0] == 400


@pytest.mark.django_db(transaction=True)
def test_replayed_callback_changes_nothing(live_server):
    # given a callback that has been applied
    order = make_order()
    payment = services.start_payment(order, request=request_for(_host(live_server))).payment
    body = _body(payment)
    assert post_callback(_callback_url(live_server), body) == 200
    order.refresh_from_db()
    paid_at, events = order.paid_at, order.events.count()
    # when the very same callback comes again
    status, answer = _post_raw(_callback_url(live_server), body, sign_body(body))
    # then it is acknowledged and nothing changes
    assert status == 200
    assert answer["reason"] == "repeated: already succeeded"
    order.refresh_from_db()
    assert order.paid_at == paid_at
    assert order.events.count() == events
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"
    # and a later "declined" for the same payment cannot undo it
    declined = _body(payment, status="declined")
    assert _post_raw(_callback_url(live_server), declined, sign_body(declined))[0] == 409
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_callback_for_an_unknown_payment_is_rejected(live_server):
    order = make_order()
    payment = services.start_payment(order, request=request_for(_host(live_server))).payment
    body = _body(payment, reference="PAY-NOTAREAL")
    assert _post_raw(_callback_url(live_server), body, sign_body(body))[0] == 400
    body = _body(payment, idempotency_key="00000000-0000-0000-0000-000000000000")
    assert _post_raw(_callback_url(live_server), body, sign_body(body))[0] == 400


def _all_text_in_database() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


@pytest.mark.django_db(transaction=True)
def test_no_card_number_is_stored_or_logged(client, live_server, caplog, capfd):
    # given a full sandbox payment, including a mistyped number first
    caplog.set_level(logging.DEBUG)
    order = make_order()
    host = _host(live_server)
    start = services.start_payment(order, request=request_for(host))
    page = urlsplit(start.redirect_url).path
    client.post(page, {"number": "4242 4242 4242 4241", **CARD}, HTTP_HOST=host)
    client.post(page, {"number": SUCCESS_CARD, **CARD}, HTTP_HOST=host)
    assert _wait_for(lambda: PaymentCallback.objects.filter(payment=start.payment).exists())
    # when we look everywhere Duken writes
    stored = _all_text_in_database()
    payment_text = " ".join(
        repr(list(model.objects.values_list())) for model in (Payment, PaymentCallback)
    )
    out, err = capfd.readouterr()
    logged = caplog.text + out + err
    # then neither number appears, with or without spaces
    assert Payment.objects.get(pk=start.payment.pk).status == "succeeded"
    for digits in ("4242424242424242", "4242 4242 4242 4242", "4242424242424241"):
        assert digits not in stored
        assert digits not in payment_text
        assert digits not in logged
