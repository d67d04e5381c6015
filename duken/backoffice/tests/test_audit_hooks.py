"""What goes into the audit log from each app: admin changes, staff rights, passwords (never
their values), order moves and refunds, payments confirmed by staff and reported by the
provider, prices and stock, customers' consent, and staff reading customers' data."""

import json
import time

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from duken.catalog import stock
from duken.catalog.models import Category, Product
from duken.core import audit
from duken.core.models import AuditEntry
from duken.customers.models import User
from duken.orders import services as orders
from duken.orders.models import OrderStatus
from duken.payments import services as payments
from duken.payments.providers.sandbox import SIGNATURE_HEADER, sign_body
from duken.payments.tests.helpers import make_order as make_paid_order
from duken.privacy import services as privacy
from duken.testing.accounts import login_verified
from duken.testing.factories import make_category, make_order, make_product

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux) Chromium", "REMOTE_ADDR": "10.1.2.3"}


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def only(action):
    found = entries(action)
    assert len(found) == 1, [(e.action, e.object_repr, e.changes) for e in found]
    return found[0]


@pytest.fixture
def owner(client):
    user = User.objects.create_superuser("owner@duken.example", "kokteM-2026!o")
    login_verified(client, user)
    client.defaults.update(BROWSER)
    return user


def product_form(product, **extra):
    data = {
        "name": product.name,
        "slug": product.slug,
        "sku": product.sku,
        "description": "",
        "is_active": "on",
        "primary_category": product.primary_category_id,
        "categories": [product.primary_category_id],
        "price": str(product.price),
        "currency": "KZT",
        "stock": str(product.stock),
        "restock_days": "14",
        "weight_grams": "300",
        "created_at_0": "2011-01-10",
        "created_at_1": "10:00:00",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


# The admin ------------------------------------------------------------------------------------


def test_an_admin_change_records_the_fields_old_and_new_and_price_and_stock_apart(client, owner):
    # given a product at 1000 ₸ with 10 in stock
    product = make_product(price="1000.00", stock=10, name="Felt Slippers")
    # when the owner changes its price, stock and name in the admin
    response = client.post(
        reverse("admin:catalog_product_change", args=[product.pk]),
        product_form(product, price="1200.00", stock="4", name="Felt Slippers, grey"),
    )
    assert response.status_code == 302
    # then one admin change lists every changed field, and price and stock have their own
    change = only(audit.ADMIN_CHANGE)
    assert (change.actor_id, change.actor_username) == (owner.pk, "owner@duken.example")
    assert (change.object_type, change.object_id) == ("catalog.product", str(product.pk))
    assert change.changes["price"] == ["1000.00", "1200.00"]
    assert change.changes["stock"] == [10, 4]
    assert change.changes["name"] == ["Felt Slippers", "Felt Slippers, grey"]
    assert change.ip == "10.1.2.3" and "Chromium" in change.user_agent
    assert only(audit.PRODUCT_PRICE).changes == {"price": ["1000.00", "1200.00"]}
    assert only(audit.PRODUCT_STOCK).changes == {"stock": [10, 4]}


def test_a_price_changed_in_the_product_list_is_recorded(client, owner):
    product = make_product(price="1000.00", stock=10)
    response = client.post(
        reverse("admin:catalog_product_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(product.pk),
            "form-0-price": "990.00",
            "form-0-stock": "10",
            "form-0-is_active": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    assert only(audit.PRODUCT_PRICE).changes == {"price": ["1000.00", "990.00"]}
    assert not entries(audit.PRODUCT_STOCK)


def test_admin_additions_and_deletions_are_recorded(client, owner):
    # when the owner adds a category and deletes another
    doomed = make_category(name="Old stuff")
    client.post(
        reverse("admin:catalog_category_add"),
        {"name": "Winter", "slug": "winter", "description": "", "position": "0"},
    )
    response = client.post(
        reverse("admin:catalog_category_delete", args=[doomed.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    # then both are in the log, the deleted one by its name and id
    added = only(audit.ADMIN_ADD)
    assert added.object_repr == "Winter" and added.changes["name"] == [None, "Winter"]
    deleted = only(audit.ADMIN_DELETE)
    assert (deleted.object_type, deleted.object_id) == ("catalog.category", str(doomed.pk))
    assert deleted.object_repr == "Old stuff"
    assert not Category.objects.filter(pk=doomed.pk).exists()


def user_form(user, **extra):
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "country": user.country,
        "language": user.language,
        "is_active": "on",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def test_giving_someone_staff_rights_and_a_group_is_recorded_as_a_rights_change(client, owner):
    # given a customer
    helper = User.objects.create_user("helper@duken.example", "kokteM-2026!h")
    support = Group.objects.get(name="Support")
    # when the owner makes them staff in the Support group
    response = client.post(
        reverse("admin:customers_user_change", args=[helper.pk]),
        user_form(helper, is_staff="on", groups=[support.pk]),
    )
    assert response.status_code == 302
    # then the rights change names exactly what was granted
    rights = only(audit.PERMISSIONS_CHANGE)
    assert rights.actor_id == owner.pk and rights.object_id == str(helper.pk)
    assert rights.changes == {"is_staff": [False, True], "groups": [[], ["Support"]]}


def test_a_password_set_by_staff_is_recorded_without_the_password(client, owner):
    helper = User.objects.create_user("helper@duken.example", "kokteM-2026!h")
    response = client.post(
        reverse("admin:auth_user_password_change", args=[helper.pk]),
        {
            "password1": "Shelek-2026-new!",
            "password2": "Shelek-2026-new!",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    entry = only(audit.PASSWORD_SET)
    assert entry.object_id == str(helper.pk) and entry.actor_id == owner.pk
    everything = json.dumps(list(AuditEntry.objects.values()), default=str)
    helper.refresh_from_db()
    assert "Shelek-2026-new!" not in everything and helper.password not in everything


def test_an_account_added_in_the_admin_is_recorded_without_its_password(client, owner):
    response = client.post(
        reverse("admin:customers_user_add"),
        {
            "email": "new.staff@example.kz",
            "first_name": "New",
            "last_name": "Staff",
            "usable_password": "true",
            "password1": "Tulpar-2026-secret!",
            "password2": "Tulpar-2026-secret!",
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    added = only(audit.ADMIN_ADD)
    assert added.object_repr == "New Staff" and added.actor_id == owner.pk
    assert added.changes["first_name"] == [None, "New"]
    assert added.changes["password1"] == ["(hidden)", "(hidden)"]
    assert "Tulpar-2026-secret!" not in json.dumps(list(AuditEntry.objects.values()), default=str)


# Orders, payments, stock ----------------------------------------------------------------------


def test_an_order_moved_by_staff_and_a_refund_are_recorded():
    clerk = User.objects.create_user("clerk@duken.example", None, is_staff=True)
    product = make_product(stock=5)
    order = make_order(lines=[(product, 1, 0)], status=OrderStatus.PAID)
    order.paid_at = order.placed_at
    order.save(update_fields=["paid_at"])
    # when the clerk cancels it and then refunds it
    orders.transition(order, OrderStatus.CANCELLED, actor=clerk, note="Asked by phone")
    orders.transition(order, OrderStatus.REFUNDED, actor=clerk)
    # then both moves are in the log with the clerk
    moved = only(audit.ORDER_STATUS)
    assert moved.actor_username == "clerk@duken.example"
    assert (moved.object_type, moved.object_repr) == ("orders.order", str(order))
    assert moved.changes == {"status": ["paid", "cancelled"]} and moved.summary == "Asked by phone"
    refund = only(audit.ORDER_REFUND)
    assert refund.changes == {"status": ["cancelled", "refunded"]}
    # and the cancellation put the unit back on the shelf, recorded as a stock change
    back = only(audit.PRODUCT_STOCK)
    assert back.object_id == str(product.pk) and back.changes == {"stock": [5, 6]}


def test_stock_taken_by_a_checkout_is_recorded():
    product = make_product(stock=3)
    from django.db import transaction

    with transaction.atomic():
        stock.reserve([(product.pk, 2)])
    entry = only(audit.PRODUCT_STOCK)
    assert entry.object_id == str(product.pk) and entry.changes == {"stock": [3, 1]}
    assert Product.objects.get(pk=product.pk).stock == 1


def test_a_bank_transfer_confirmed_by_staff_is_recorded():
    clerk = User.objects.create_user("clerk@duken.example", None, is_staff=True)
    order = make_paid_order(payment_method="bank_transfer")
    payment = payments.open_payment(order)
    payments.confirm_bank_transfer(payment, actor=clerk)
    entry = only(audit.PAYMENT_CONFIRM)
    assert entry.actor_id == clerk.pk and entry.object_id == str(payment.pk)
    assert entry.changes == {"status": ["pending", "succeeded"]}
    assert order.number in entry.summary
    assert only(audit.ORDER_STATUS).changes == {"status": ["awaiting_payment", "paid"]}


def test_the_providers_callbacks_accepted_and_rejected_are_recorded(client):
    order = make_paid_order(payment_method="card")
    payment = payments.open_payment(order)
    body = json.dumps(
        {
            "reference": payment.reference,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "status": "succeeded",
            "idempotency_key": str(payment.idempotency_key),
            "charge_id": "sbx_test",
            "timestamp": int(time.time()),
        }
    ).encode()
    url = reverse("payments:callback", args=["sandbox"])
    header = "HTTP_" + SIGNATURE_HEADER.upper().replace("-", "_")
    # when a forged callback and then the real one arrive
    forged = client.post(url, body, content_type="application/json", **{header: "0" * 64})
    real = client.post(
        url,
        body,
        content_type="application/json",
        REMOTE_ADDR="192.0.2.10",
        **{header: sign_body(body)},
    )
    assert (forged.status_code, real.status_code) == (400, 200)
    # then both are in the log, the real one with the payment's move, from the provider's address
    rejected, accepted = entries(audit.PAYMENT_CALLBACK)
    assert "rejected" in rejected.summary and rejected.actor_id is None
    assert accepted.object_id == str(payment.pk) and accepted.ip == "192.0.2.10"
    assert accepted.changes == {"status": ["pending", "succeeded"]} and accepted.actor_id is None


# Consent ---------------------------------------------------------------------------------------


def test_a_customers_own_consent_change_is_recorded_with_them_as_the_person(client):
    customer = User.objects.create_user("aru@example.kz", "kokteM-2026!a")
    client.force_login(customer)
    client.post(reverse("privacy:account"), {"purposes": ["personalization"]}, **BROWSER)
    entry = entries(audit.CONSENT_CHANGE)[-1]
    assert entry.actor_id == customer.pk and entry.object_id == str(customer.pk)
    assert entry.changes["personalization"][1] is True
    assert entry.ip == "10.1.2.3"


def test_a_consent_withdrawn_outside_a_request_has_no_person():
    customer = User.objects.create_user("aru@example.kz", "kokteM-2026!a", accepts_marketing=True)
    privacy.withdraw_for_user(customer, ["marketing"])
    entry = only(audit.CONSENT_CHANGE)
    assert entry.actor_id is None and entry.object_id == str(customer.pk)
    assert entry.changes == {"marketing": [None, False]}


# Staff reading customers' data ----------------------------------------------------------------


def test_staff_reading_a_customers_timeline_search_and_recommendations_is_recorded(client):
    clerk = User.objects.create_user("clerk@duken.example", None, is_staff=True)
    clerk.user_permissions.add(
        Permission.objects.get(codename="view_user", content_type__app_label="customers")
    )
    login_verified(client, User.objects.get(pk=clerk.pk))
    customer = User.objects.create_user("dana@example.kz", None, first_name="Dana")
    # when the clerk searches, opens the timeline and the recommendations page
    assert (
        client.get(reverse("backoffice:customer_search") + "?q=dana", **BROWSER).status_code == 200
    )
    assert (
        client.get(reverse("backoffice:customer_timeline", args=[customer.pk])).status_code == 200
    )
    page = client.get(reverse("recommendations:staff_customer", args=[customer.pk]))
    assert page.status_code == 200
    # then each read names the clerk and, where there is one, the customer
    search = only(audit.CUSTOMER_SEARCH)
    assert search.actor_id == clerk.pk and search.summary == "dana" and search.ip == "10.1.2.3"
    viewed = only(audit.CUSTOMER_VIEW)
    assert (viewed.actor_id, viewed.object_type, viewed.object_id) == (
        clerk.pk,
        "customers.user",
        str(customer.pk),
    )
    assert only(audit.RECOMMENDATIONS_VIEW).object_id == str(customer.pk)


# Privacy rights ---------------------------------------------------------------------------------


def test_staff_asking_for_a_customers_data_and_erasing_the_account_are_recorded():
    from duken.privacy import rights

    officer = User.objects.create_superuser("officer@duken.example", "kokteM-2026!o")
    customer = User.objects.create_user("aru@example.kz", "kokteM-2026!a", first_name="Aru")
    # when the officer asks for a copy of the customer's data, then erases the account
    rights.staff_request_export(customer, by=officer)
    rights.staff_erase_customer(customer, by=officer)
    # then both are recorded with the officer; the erasure names the account by its placeholder
    export = only(audit.CUSTOMER_EXPORT)
    assert export.actor_id == officer.pk and export.object_id == str(customer.pk)
    erased = only(audit.CUSTOMER_ERASE)
    assert erased.actor_id == officer.pk and erased.object_id == str(customer.pk)
    customer.refresh_from_db()
    assert erased.object_repr == customer.email and "aru@" not in erased.object_repr


def test_a_customer_erasing_their_own_account_is_the_person_of_the_entry(client):
    customer = User.objects.create_user("aru@example.kz", "kokteM-2026!a")
    client.force_login(customer)
    response = client.post(
        "/account/privacy/delete/", {"password": "kokteM-2026!a", "confirm": "yes"}, **BROWSER
    )
    assert response.status_code == 302
    erased = only(audit.CUSTOMER_ERASE)
    assert erased.actor_id == customer.pk and erased.ip == "10.1.2.3"
