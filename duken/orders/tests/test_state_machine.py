import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from duken.orders import services
from duken.orders.models import OrderEvent, OrderStatus
from duken.orders.services import IllegalTransition
from duken.testing.factories import make_order, make_product

S = OrderStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("staff@example.com", "pw-123456789", is_staff=True)


def test_the_happy_path_of_a_prepaid_order_is_recorded_with_who_and_when(
    staff, django_capture_on_commit_callbacks
):
    # given
    product = make_product(stock=5)
    order = make_order(lines=[(product, 2, 0)])
    # when
    with django_capture_on_commit_callbacks(execute=True):
        for status in (S.PAID, S.PACKED, S.SHIPPED, S.DELIVERED, S.COMPLETED):
            services.transition(order, status, actor=staff, note=f"to {status}")
    # then
    order.refresh_from_db()
    assert order.status == S.COMPLETED and order.paid_at is not None
    events = services.order_timeline(order)
    assert [(e.from_status, e.to_status) for e in events] == [
        (S.AWAITING_PAYMENT, S.PAID),
        (S.PAID, S.PACKED),
        (S.PACKED, S.SHIPPED),
        (S.SHIPPED, S.DELIVERED),
        (S.DELIVERED, S.COMPLETED),
    ]
    assert all(e.actor == staff and e.created_at for e in events)
    # the customer heard about paid, shipped and delivered (not packed or completed)
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 3
    assert all(order.number in s for s in subjects)
    assert all(m.to == ["buyer@example.com"] for m in mail.outbox)


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.AWAITING_PAYMENT, S.SHIPPED),
        (S.AWAITING_PAYMENT, S.DELIVERED),
        (S.AWAITING_PAYMENT, S.REFUNDED),
        (S.PAID, S.AWAITING_PAYMENT),
        (S.SHIPPED, S.CANCELLED),
        (S.DELIVERED, S.PAID),
        (S.COMPLETED, S.CANCELLED),
        (S.REFUNDED, S.PAID),
        (S.CANCELLED, S.PAID),
        (S.RETURNED, S.SHIPPED),
        (S.PAID, "lost"),
    ],
)
def test_illegal_transitions_are_refused_with_a_clear_message(start, to):
    # given
    order = make_order(lines=[(make_product(), 1, 0)], status=start)
    # when
    with pytest.raises(IllegalTransition) as error:
        services.transition(order, to)
    # then nothing changed and the message names the order
    assert order.number in error.value.message
    order.refresh_from_db()
    assert order.status == start
    assert not OrderEvent.objects.filter(order=order).exists()


def test_an_unpaid_prepaid_order_cannot_be_packed_but_cash_on_delivery_can():
    # given
    prepaid = make_order(lines=[(make_product(), 1, 0)], payment="bank_transfer")
    cod = make_order(lines=[(make_product(), 1, 0)], payment="cash_on_delivery")
    # when / then
    with pytest.raises(IllegalTransition, match="not been paid"):
        services.transition(prepaid, S.PACKED)
    assert S.PACKED not in services.allowed_transitions(prepaid)
    assert services.allowed_transitions(cod) == [S.PAID, S.PACKED, S.CANCELLED]
    services.transition(cod, S.PACKED)
    services.transition(cod, S.SHIPPED)
    services.transition(cod, S.DELIVERED)
    cod.refresh_from_db()
    assert cod.paid_at is not None  # cash collected at the door
    assert "cash on delivery" in cod.events.last().note


def test_cancelling_before_shipping_puts_the_stock_back():
    # given an order that took 3 of 10 units, one more unit backordered
    product = make_product(stock=7)
    order = make_order(lines=[(product, 4, 1)], payment="cash_on_delivery")
    services.transition(order, S.AWAITING_STOCK)
    # when
    services.transition(order, S.CANCELLED, note="customer changed their mind")
    # then the 3 reserved units are back; the backordered one never left
    product.refresh_from_db()
    assert product.stock == 10
    # and an unpaid cancelled order has nothing to refund
    with pytest.raises(IllegalTransition, match="never paid"):
        services.transition(order, S.REFUNDED)


def test_paid_then_cancelled_orders_can_be_refunded(django_capture_on_commit_callbacks):
    # given
    order = make_order(lines=[(make_product(stock=1), 1, 0)])
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_paid(order)
        services.transition(order, S.CANCELLED)
        services.transition(order, S.REFUNDED)
    # then
    assert order.status == S.REFUNDED
    assert [m.subject.split()[-1] for m in mail.outbox] == ["paid", "cancelled", "refunded"]


def test_returned_orders_go_to_refunded():
    # given
    order = make_order(lines=[(make_product(), 1, 0)], status=S.DELIVERED)
    services.mark_paid(order)
    # when
    services.transition(order, S.RETURNED)
    services.transition(order, S.REFUNDED)
    # then
    assert services.allowed_transitions(order) == []


def test_mark_paid_moves_backordered_orders_on_to_awaiting_stock_and_is_idempotent():
    # given
    product = make_product(stock=0)
    order = make_order(lines=[(product, 2, 2)])
    # when
    services.mark_paid(order)
    services.mark_paid(order)
    # then
    order.refresh_from_db()
    assert order.status == S.AWAITING_STOCK
    assert list(order.events.values_list("to_status", flat=True)) == [S.PAID, S.AWAITING_STOCK]
    with pytest.raises(IllegalTransition, match="backordered"):
        services.transition(make_order(lines=[(product, 1, 1)], status=S.PAID), S.PACKED)


def test_a_cancelled_order_cannot_be_paid():
    # given
    order = make_order(lines=[(make_product(), 1, 0)], status=S.CANCELLED)
    # when / then
    with pytest.raises(IllegalTransition, match="cannot be paid"):
        services.mark_paid(order)


def test_digital_orders_complete_without_delivery():
    # given
    ebook = make_product(is_digital=True, stock=0)
    order = make_order(lines=[(ebook, 1, 0)])
    services.mark_paid(order)
    # when
    services.transition(order, S.COMPLETED)
    # then
    assert order.status == S.COMPLETED
    physical = make_order(lines=[(make_product(), 1, 0)], status=S.PAID)
    with pytest.raises(IllegalTransition, match="digital"):
        services.transition(physical, S.COMPLETED)


def test_every_status_has_a_row_in_the_table():
    assert set(services.TRANSITIONS) == set(S.values)
    for targets in services.TRANSITIONS.values():
        assert targets <= set(S.values)


def test_backordered_units_are_taken_from_stock_when_they_arrive():
    # given a paid order for 5 units of which 3 were backordered (2 taken at checkout)
    product = make_product(stock=0, name="Copper Kettle")
    order = make_order(lines=[(product, 5, 3)])
    services.mark_paid(order)
    assert order.status == S.AWAITING_STOCK
    # when staff try to pack before the delivery arrived
    with pytest.raises(IllegalTransition, match="not all arrived"):
        services.transition(order, S.PACKED)
    # when 4 units arrive and are booked into stock
    product.stock = 4
    product.save()
    services.transition(order, S.PACKED)
    # then the 3 backordered units left the shelf, one is left for other buyers
    product.refresh_from_db()
    assert product.stock == 1
    # and cancelling now puts back everything this order took (2 + 3)
    services.transition(order, S.CANCELLED)
    product.refresh_from_db()
    assert product.stock == 6
