import re

import pytest
from django.test import override_settings

from duken.customers.models import User
from duken.payments import services
from duken.payments.models import Payment
from duken.payments.providers import PaymentProvider, PaymentStart, get_provider

from .helpers import make_order, request_for


class InvoiceProvider(PaymentProvider):
    """A gateway written by a third party: one class."""

    code = "invoice"
    name = "Invoice"
    description = "Pay within 14 days"

    def start(self, payment, *, request):
        return PaymentStart(payment=payment, instructions={"kind": "invoice"})


def test_default_methods_are_cash_bank_transfer_and_card():
    assert [m.code for m in services.payment_methods()] == [
        "cash_on_delivery",
        "bank_transfer",
        "card",
    ]


@pytest.mark.django_db
def test_a_provider_plugs_in_through_the_setting():
    # given a setting listing a custom provider next to a built-in one
    with override_settings(
        DUKEN_PAYMENT_PROVIDERS=[
            "duken.payments.providers.offline.BankTransferProvider",
            "duken.payments.tests.test_methods_and_bank_transfer.InvoiceProvider",
        ]
    ):
        # when
        codes = [m.code for m in services.payment_methods()]
        order = make_order(payment_method="invoice")
        start = services.start_payment(order, request=request_for())
    # then
    assert codes == ["bank_transfer", "invoice"]
    assert start.instructions == {"kind": "invoice"}
    assert start.payment.provider == "invoice"


@pytest.mark.django_db
def test_cash_on_delivery_is_not_offered_for_digital_only_orders():
    order = make_order(digital=True)
    assert "cash_on_delivery" not in [m.code for m in services.payment_methods(order)]


@pytest.mark.django_db
def test_bank_transfer_shows_bank_details_and_a_readable_reference(settings):
    # given an order to pay by bank transfer
    order = make_order(payment_method="bank_transfer")
    # when
    start = services.start_payment(order, request=request_for())
    # then
    assert start.redirect_url is None
    reference = start.payment.reference
    assert re.fullmatch(r"PAY-[2-9A-HJKMNP-Z]{8}", reference)
    assert start.instructions["reference"] == reference
    assert start.instructions["iban"] == settings.DUKEN_BANK_DETAILS["iban"]
    assert start.instructions["amount"] == order.total
    assert reference in start.instructions["message"]
    order.refresh_from_db()
    assert order.status == "awaiting_payment"
    assert services.payment_instructions(order)["reference"] == reference


@pytest.mark.django_db
def test_starting_again_reuses_the_pending_payment():
    order = make_order(payment_method="bank_transfer")
    first = services.start_payment(order, request=request_for()).payment
    second = services.start_payment(order, request=request_for()).payment
    assert first.pk == second.pk
    assert Payment.objects.filter(order=order).count() == 1


@pytest.mark.django_db
def test_confirming_a_bank_transfer_marks_the_order_paid():
    # given a pending transfer and a staff member
    order = make_order(payment_method="bank_transfer")
    payment = services.start_payment(order, request=request_for()).payment
    staff = User.objects.create_user("staff@duken.example", "pw", is_staff=True)
    # when
    services.confirm_bank_transfer(payment, actor=staff)
    # then
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == "succeeded"
    assert payment.confirmed_by == staff
    assert order.status == "paid"
    assert order.paid_at is not None
    event = order.events.get(to_status="paid")
    assert event.actor == staff
    assert payment.reference in event.note
    # and confirming again changes nothing
    services.confirm_bank_transfer(payment, actor=staff)
    assert order.events.filter(to_status="paid").count() == 1


@pytest.mark.django_db
def test_bank_transfer_confirmation_from_the_admin(admin_client):
    # given
    order = make_order(payment_method="bank_transfer")
    payment = services.start_payment(order, request=request_for()).payment
    # when staff run the action on the payments list
    response = admin_client.post(
        "/admin/payments/payment/",
        {"action": "confirm_bank_transfer", "_selected_action": [payment.pk]},
        follow=True,
    )
    # then
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "paid"


@pytest.mark.django_db
def test_a_card_payment_cannot_be_confirmed_as_a_transfer():
    order = make_order(payment_method="card")
    payment = services.start_payment(order, request=request_for()).payment
    staff = User.objects.create_user("staff@duken.example", "pw", is_staff=True)
    with pytest.raises(services.PaymentError):
        services.confirm_bank_transfer(payment, actor=staff)
    order.refresh_from_db()
    assert order.paid_at is None


@pytest.mark.django_db
def test_cash_on_delivery_needs_no_redirect_and_is_recorded_on_delivery():
    # given a cash-on-delivery order
    order = make_order(payment_method="cash_on_delivery")
    # when
    start = services.start_payment(order, request=request_for())
    # then nothing is to be paid online, and the order may proceed unpaid
    assert start.redirect_url is None
    assert start.instructions["kind"] == "cash_on_delivery"
    # when the courier hands in the cash
    staff = User.objects.create_user("staff@duken.example", "pw", is_staff=True)
    services.confirm_cash_received(start.payment, actor=staff)
    # then
    order.refresh_from_db()
    assert order.paid_at is not None


@pytest.mark.django_db
def test_a_paid_order_cannot_be_paid_again():
    order = make_order(payment_method="bank_transfer")
    payment = services.start_payment(order, request=request_for()).payment
    services.confirm_bank_transfer(payment, actor=None)
    with pytest.raises(services.PaymentError):
        services.start_payment(order, request=request_for())


def test_registry_returns_the_same_provider_objects():
    assert get_provider("card") is get_provider("card")


@pytest.mark.django_db
def test_payment_admin_pages_render_and_callbacks_are_read_only(admin_client):
    # given a payment with a rejected callback on record
    order = make_order(payment_method="bank_transfer")
    payment = services.start_payment(order, request=request_for()).payment
    from duken.payments.models import PaymentCallback

    callback = PaymentCallback.objects.create(
        payment=payment,
        provider="sandbox",
        payload={"a": 1},
        accepted=False,
        reason="bad signature",
    )
    # when / then
    for url in [
        "/admin/payments/payment/",
        "/admin/payments/payment/?status__exact=pending&provider=bank_transfer",
        f"/admin/payments/payment/{payment.pk}/change/",
        "/admin/payments/paymentcallback/",
        f"/admin/payments/paymentcallback/{callback.pk}/change/",
        "/admin/payments/sandboxcharge/",
    ]:
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get("/admin/payments/paymentcallback/add/").status_code == 403
    response = admin_client.post(
        f"/admin/payments/paymentcallback/{callback.pk}/change/", {"reason": "edited"}
    )
    assert response.status_code == 403
    callback.refresh_from_db()
    assert callback.reason == "bad signature"
