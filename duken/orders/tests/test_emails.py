import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from duken.checkout.tests.helpers import make_order, make_product
from duken.orders import emails, services
from duken.orders.models import OrderStatus
from duken.orders.tasks import send_order_email

S = OrderStatus
pytestmark = pytest.mark.django_db


def test_shipped_email_tells_the_customer_with_the_note_and_a_link(
    django_capture_on_commit_callbacks, settings
):
    # given a customer's order, packed
    settings.SITE_URL = "https://shop.example"
    user = get_user_model().objects.create_user("aru@example.com", "pw-123456789")
    order = make_order(
        lines=[(make_product(name="Felt Slippers"), 2, 0)],
        status=S.PACKED,
        user=user,
        email="aru@example.com",
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(order, S.SHIPPED, note="Kazpost tracking RR123456789KZ")
    # then one e-mail, plain text and HTML, with the note and the order's page
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"Order {order.number} shipped"
    assert "Kazpost tracking RR123456789KZ" in message.body
    assert "Felt Slippers" in message.body
    assert f"https://shop.example/account/orders/{order.number}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and order.number in html


def test_no_email_leaves_before_the_transaction_commits(django_capture_on_commit_callbacks):
    # given
    order = make_order(lines=[(make_product(), 1, 0)])
    # when the move happens but the transaction has not committed yet
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.transition(order, S.CANCELLED)
    # then nothing was sent; the e-mail is waiting for the commit
    assert mail.outbox == []
    assert len(callbacks) == 1


def test_moves_the_customer_does_not_care_about_send_nothing(django_capture_on_commit_callbacks):
    # given
    order = make_order(lines=[(make_product(), 1, 0)], status=S.PAID)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(order, S.PACKED)
    # then
    assert mail.outbox == []


def test_the_email_task_sends_each_event_once():
    # given an event that was e-mailed already
    order = make_order(lines=[(make_product(), 1, 0)])
    services.transition(order, S.CANCELLED)
    event = order.events.get()
    assert send_order_email.call(event.pk) is True
    # when the task runs again (a retry, a second worker)
    again = send_order_email.call(event.pk)
    # then
    assert again is False
    assert len(mail.outbox) == 1


def test_emails_are_written_in_the_customers_language():
    # given orders placed in different languages
    kk = make_order(lines=[(make_product(), 1, 0)], language="kk")
    user = get_user_model().objects.create_user("u@example.com", "pw-123456789", language="en")
    by_user = make_order(lines=[(make_product(), 1, 0)], language="", user=user)
    fallback = make_order(lines=[(make_product(), 1, 0)], language="xx")
    # then
    assert emails.customer_language(kk) == "kk"
    assert emails.customer_language(by_user) == "en"
    assert emails.customer_language(fallback) == "ru"


# The worker opens and closes its own database connections, so this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_on_the_database_queue_the_email_waits_for_the_worker(settings):
    # given the production queue (database backend) instead of immediate tasks
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    order = make_order(lines=[(make_product(), 1, 0)])
    # when the move commits
    services.transition(order, S.CANCELLED)
    # then the task is queued, not yet sent
    assert mail.outbox == []
    assert DBTaskResult.objects.count() == 1
    # when the worker runs the queue
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    # then
    assert len(mail.outbox) == 1
    assert order.number in mail.outbox[0].subject
