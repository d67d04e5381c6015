import pytest
from django.contrib.auth import get_user_model

from duken.catalog.models import SearchQuery
from duken.conversations.models import ChatMessage, Conversation, Question, Review
from duken.customers.models import Address, CustomerFact
from duken.interactions.models import Event
from duken.needs.models import BackInStockRequest, ProductRequest, WishlistItem
from duken.orders.models import Order
from duken.payments.models import Payment
from duken.privacy import erase
from duken.privacy.models import ConsentRecord, ForgottenItem, Purpose, Source
from duken.privacy.tests.rights_data import PASSWORD, rich_customer
from duken.testing.accounts import authenticator, totp_code

User = get_user_model()


@pytest.fixture
def aliya(db):
    return rich_customer("aliya@example.kz", name="Aliya", visitor="v-aliya")


@pytest.fixture
def daulet(db):
    return rich_customer("daulet@example.kz", name="Daulet", visitor="v-daulet")


def _counts(user):
    return {
        "addresses": Address.objects.filter(user=user).count(),
        "events": Event.objects.filter(user=user).count(),
        "facts": CustomerFact.objects.filter(customer=user).count(),
        "wishlist": WishlistItem.objects.filter(customer=user).count(),
        "chats": Conversation.objects.filter(customer=user).count(),
        "email": User.objects.get(pk=user.pk).email,
    }


def test_deleting_anonymizes_the_account_and_keeps_the_orders_without_the_person(
    client, aliya, daulet
):
    user, order = aliya
    other, other_order = daulet
    before_other = _counts(other)
    # when Aliya deletes her account with her password and the confirmation
    client.force_login(user)
    response = client.post(
        "/account/privacy/delete/", {"password": PASSWORD, "confirm": "yes"}, follow=True
    )
    # then she sees the confirmation, logged out
    assert response.redirect_chain[-1][0] == "/account/privacy/deleted/"
    assert "Your account is deleted" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert client.get("/account/").status_code == 302
    # the account is anonymous and can no longer log in
    user.refresh_from_db()
    assert user.email == f"deleted-{user.pk}@deleted.invalid"
    assert (user.first_name, user.last_name, user.phone) == ("", "", "")
    assert not user.is_active and not user.has_usable_password()
    assert not User.objects.filter(email__iexact="aliya@example.kz").exists()
    # the order and its payment stay, without her name, address, phone or e-mail
    order.refresh_from_db()
    assert order.user_id == user.pk and order.total > 0
    assert order.email == user.email
    assert (order.ship_full_name, order.ship_street, order.phone, order.customer_note) == (
        "",
        "",
        "",
        "",
    )
    assert order.ship_region == "Almaty"  # kept for the tax report
    assert Payment.objects.filter(order=order).count() == 1
    assert order.lines.count() == 1
    # her history is gone, also the browser's events from before she logged in
    assert not Address.objects.filter(user=user).exists()
    assert not Event.objects.filter(user=user).exists()
    assert not Event.objects.filter(visitor_id="v-aliya").exists()
    assert not CustomerFact.objects.filter(customer=user).exists()
    assert list(ForgottenItem.objects.filter(user=user).values_list("key", flat=True)) == [
        "activity:all"
    ]
    assert not WishlistItem.objects.filter(customer=user).exists()
    assert not BackInStockRequest.objects.filter(customer=user).exists()
    assert not ProductRequest.objects.filter(customer=user).exists()
    assert not Conversation.objects.filter(customer=user).exists()
    assert not ChatMessage.objects.filter(text__contains="Aliya").exists()
    # the search log keeps the search for statistics, without her
    assert not SearchQuery.objects.filter(user=user).exists()
    assert SearchQuery.objects.filter(query="Aliya boots", user=None, session_key="").exists()
    # reviews and questions stay, shown as "Customer"
    review = Review.objects.get(user=user)
    assert review.author_name == "Customer"
    assert Question.objects.filter(user=user).exists()
    # the consent history stays as proof, without the visitor id, and everything is withdrawn
    consents = ConsentRecord.objects.filter(user=user)
    assert not consents.exclude(visitor_id="").exists()
    assert consents.filter(purpose=Purpose.ANALYTICS, granted=True).exists()
    assert consents.filter(source=Source.ERASURE, granted=False).count() == 3
    # and Daulet's data is untouched
    assert _counts(other) == before_other
    other_order.refresh_from_db()
    assert other_order.ship_full_name == "Daulet Testova"
    assert Event.objects.filter(visitor_id="v-daulet").count() == 2


def test_the_same_address_can_sign_up_again_afterwards(client, aliya):
    user, _order = aliya
    erase.erase_customer(user)
    # when someone signs up with the address again
    again = User.objects.create_user("aliya@example.kz", "Another-Long-Pass-2027")
    # then it is a new, empty account
    assert again.pk != user.pk
    assert not Order.objects.filter(user=again).exists()
    assert User.objects.get_by_natural_key("aliya@example.kz") == again


def test_the_shops_sign_up_makes_a_new_account_with_the_address(aliya):
    from duken.customers import registration
    from duken.customers.models import PendingRegistration

    user, _order = aliya
    erase.erase_customer(user)
    # when the address signs up through the shop (the e-mailed link finishes it)
    registration.request_registration(email="aliya@example.kz", password="Another-Long-Pass-2027")
    pending = PendingRegistration.objects.get(email="aliya@example.kz")
    again = registration.finish_registration(pending)
    # then a new account exists for it, without the old one's data
    assert again is not None and again.pk != user.pk
    assert again.check_password("Another-Long-Pass-2027")
    assert not Order.objects.filter(user=again).exists()


def test_erasing_twice_changes_nothing_more(aliya):
    user, order = aliya
    assert erase.erase_customer(user) is True
    user.refresh_from_db()
    snapshot = (user.email, user.password, ConsentRecord.objects.filter(user=user).count())
    # when
    assert erase.erase_customer(user) is False
    # then
    user.refresh_from_db()
    assert (user.email, user.password, ConsentRecord.objects.filter(user=user).count()) == (
        snapshot
    )


@pytest.mark.parametrize(
    "form",
    [
        {"password": "wrong-password", "confirm": "yes"},
        {"password": PASSWORD},  # not confirmed
        {"password": "", "confirm": "yes"},
    ],
)
def test_a_wrong_password_or_no_confirmation_changes_nothing(client, aliya, form):
    user, _order = aliya
    before = _counts(user)
    client.force_login(user)
    # when
    response = client.post("/account/privacy/delete/", form)
    # then a translated error, the customer still logged in, nothing changed
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert _counts(user) == before
    assert client.get("/account/").status_code == 200


def test_with_two_step_on_the_code_is_needed_too(client, aliya):
    user, _order = aliya
    device = authenticator(user)
    client.force_login(user)
    page = client.get("/account/privacy/delete/").content.decode()
    assert 'name="code"' in page
    before = _counts(user)
    # when the password is right but the code is wrong or missing
    for code in ["000000", ""]:
        response = client.post(
            "/account/privacy/delete/", {"password": PASSWORD, "code": code, "confirm": "yes"}
        )
        # then nothing changes
        assert response.status_code == 400
        assert _counts(user) == before
    # when the code is right (after django-otp's back-off for the wrong one)
    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(
        "/account/privacy/delete/",
        {"password": PASSWORD, "code": totp_code(device, 1), "confirm": "yes"},
    )
    # then the account is erased, and its authenticator with it
    assert response.status_code == 302
    user.refresh_from_db()
    assert erase.is_erased(user)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert not TOTPDevice.objects.filter(user=user).exists()


def test_staff_cannot_delete_their_own_account_from_the_shop(client, db):
    staff = User.objects.create_user("staff@duken.example", PASSWORD, is_staff=True)
    client.force_login(staff)
    response = client.post("/account/privacy/delete/", {"password": PASSWORD, "confirm": "yes"})
    assert response.status_code == 400
    staff.refresh_from_db()
    assert not erase.is_erased(staff)


def test_other_sessions_end_too(client, aliya):
    from django.test import Client

    user, _order = aliya
    elsewhere = Client()
    elsewhere.force_login(user)
    client.force_login(user)
    # when
    client.post("/account/privacy/delete/", {"password": PASSWORD, "confirm": "yes"})
    # then the other browser is logged out too
    assert elsewhere.get("/account/").status_code == 302


def test_events_still_buffered_from_before_the_erasure_are_never_written(aliya):
    from datetime import timedelta

    from django.utils import timezone

    from duken.interactions import buffer
    from duken.interactions.models import Kind

    user, _order = aliya
    # given an event of hers waiting in a process's buffer
    pending = Event(
        user=user,
        visitor_id="v-aliya",
        kind=Kind.PAGE_VIEW,
        occurred_at=timezone.now() - timedelta(seconds=1),
    )
    # when the account is erased, and then the buffer is written
    erase.erase_customer(user)
    buffer.add(pending)
    buffer.flush()
    # then nothing of hers is written
    assert not Event.objects.filter(user=user).exists()
