import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from duken.orders.models import OrderStatus
from duken.testing.accounts import login_verified
from duken.testing.factories import make_order, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("boss@example.com", "pw-123456789")
    login_verified(client, user)
    client.user = user
    return client


def test_order_list_search_and_filters(admin_client):
    # given
    make_order(lines=[(make_product(), 1, 0)], email="first@example.com")
    make_order(lines=[(make_product(), 1, 0)], email="second@example.com", status="paid")
    url = reverse("admin:orders_order_changelist")
    # when
    everything = admin_client.get(url)
    found = admin_client.get(url, {"q": "second@"})
    paid = admin_client.get(url, {"status__exact": "paid"})
    # then
    assert everything.status_code == 200
    assert found.context["cl"].result_count == 1
    assert paid.context["cl"].result_count == 1


def test_change_page_shows_lines_timeline_and_the_allowed_moves(admin_client):
    # given
    order = make_order(lines=[(make_product(name="Brass Bell"), 2, 0)], payment="cash_on_delivery")
    # when
    response = admin_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "Brass Bell" in body
    assert [value for value, _label in response.context["order_moves"]] == [
        OrderStatus.PAID,
        OrderStatus.PACKED,
        OrderStatus.CANCELLED,
    ]


def test_staff_move_an_order_and_the_timeline_records_who(admin_client):
    # given
    order = make_order(lines=[(make_product(), 1, 0)], payment="cash_on_delivery")
    url = reverse("admin:orders_order_transition", args=[order.pk])
    # when
    admin_client.post(url, {"to_status": "packed"})
    response = admin_client.post(
        url, {"to_status": "shipped", "note": "Kazpost RR123"}, follow=True
    )
    # then
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    event = order.events.last()
    assert event.actor == admin_client.user and event.note == "Kazpost RR123"
    assert "Kazpost RR123" in response.content.decode()


def test_a_nul_character_in_a_moves_note_is_dropped(admin_client):
    # given
    order = make_order(lines=[(make_product(), 1, 0)], payment="cash_on_delivery")
    url = reverse("admin:orders_order_transition", args=[order.pk])
    # when staff move it with a note holding a NUL character (PostgreSQL cannot store one)
    response = admin_client.post(url, {"to_status": "packed", "note": "Kazpost\x00 RR123"})
    # then
    assert response.status_code == 302
    assert order.events.last().note == "Kazpost RR123"


def test_an_illegal_move_shows_the_error_and_changes_nothing(admin_client):
    # given
    order = make_order(lines=[(make_product(), 1, 0)])
    url = reverse("admin:orders_order_transition", args=[order.pk])
    # when
    response = admin_client.post(url, {"to_status": "delivered"}, follow=True)
    # then
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert "cannot become" in response.content.decode()


@pytest.mark.parametrize("object_id", ["abc", "..", "9" * 40, "987654"])
def test_a_move_for_an_id_that_is_no_order_is_not_found(admin_client, object_id):
    # given
    order = make_order(lines=[(make_product(), 1, 0)], payment="cash_on_delivery")
    url = reverse("admin:orders_order_transition", args=[object_id])
    # when
    response = admin_client.post(url, {"to_status": "packed"})
    # then
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


def test_bulk_actions_move_what_they_can_and_report_the_rest(admin_client):
    # given
    ready = make_order(lines=[(make_product(), 1, 0)], status=OrderStatus.PACKED)
    unpaid = make_order(lines=[(make_product(), 1, 0)])
    # when
    response = admin_client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "move_to_shipped", "_selected_action": [ready.pk, unpaid.pk]},
        follow=True,
    )
    # then
    ready.refresh_from_db()
    unpaid.refresh_from_db()
    assert ready.status == OrderStatus.SHIPPED
    assert unpaid.status == OrderStatus.AWAITING_PAYMENT
    assert unpaid.number in response.content.decode()


def test_carts_are_listed_read_only(admin_client):
    # when
    response = admin_client.get(reverse("admin:checkout_cart_changelist"))
    # then
    assert response.status_code == 200
