import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from duken.orders import emails, services
from duken.orders.models import OrderStatus
from duken.outbox.models import Message
from duken.outbox.tasks import deliver_message
from duken.testing.factories import make_order, make_product

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


def test_each_event_is_e_mailed_once(django_capture_on_commit_callbacks):
    # given an event whose e-mail was queued with it and delivered
    order = make_order(lines=[(make_product(), 1, 0)])
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(order, S.CANCELLED)
    event = order.events.get()
    queued = Message.objects.get()
    assert queued.key == f"order-event:{event.pk}" and queued.status == Message.Status.SENT
    # when it is asked for again, and the delivery runs again (a retry, a second worker)
    assert emails.queue_event_email(event) is False
    assert deliver_message.call(queued.pk) is False
    # then
    assert Message.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_e_mail_commits_with_the_status_change_or_not_at_all():
    # given a move that fails after its event and e-mail were written
    from django.db import transaction

    order = make_order(lines=[(make_product(), 1, 0)])
    with pytest.raises(RuntimeError), transaction.atomic():
        services.transition(order, S.CANCELLED)
        assert Message.objects.count() == 1
        raise RuntimeError("the process dies before the commit")
    # then neither the move nor its e-mail exist
    order.refresh_from_db()
    assert order.status != S.CANCELLED
    assert not Message.objects.exists()


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
    # then the e-mail is in the outbox and its delivery is queued, not yet sent
    assert mail.outbox == []
    assert Message.objects.get().status == Message.Status.PENDING
    assert DBTaskResult.objects.count() == 1
    # when the worker runs the queue
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    # then
    assert len(mail.outbox) == 1
    assert order.number in mail.outbox[0].subject
