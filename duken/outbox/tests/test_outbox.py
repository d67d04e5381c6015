"""The outbox against a real SMTP server on loopback."""

import datetime as dt
import threading

import pytest
from django.contrib.auth.models import Group
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from duken.customers.models import User
from duken.outbox import services
from duken.outbox.models import Message
from duken.testing.accounts import login_verified

from .conftest import free_port

pytestmark = pytest.mark.django_db


def _message(to="aru@example.kz", subject="Order DK-1 shipped"):
    message = EmailMultiAlternatives(subject=subject, body="It is on its way.", to=[to])
    message.attach_alternative("<p>It is on its way.</p>", "text/html")
    return message


def test_a_queued_e_mail_is_delivered_with_its_idempotency_key(smtp):
    # given a message queued for a cause
    row = services.email(_message(), key="order-event:1", kind="order_shipped", reference="DK-1")
    # when the worker delivers it
    assert services.deliver(row.pk) is True
    # then the mail server has it, once, carrying the key a receiver can deduplicate by
    [received] = smtp.messages
    assert received["Subject"] == "Order DK-1 shipped"
    assert received["X-Idempotency-Key"] == str(row.idempotency_key)
    assert received["Message-ID"] == f"<{row.idempotency_key}@duken.example>"
    assert received.is_multipart()
    row.refresh_from_db()
    assert row.status == Message.Status.SENT and row.sent_at is not None and row.attempts == 1
    # and delivering again sends nothing more
    assert services.deliver(row.pk) is False
    assert len(smtp.messages) == 1


def test_asking_twice_for_the_same_cause_queues_one_message():
    first = services.email(_message(), key="promise-reply:7", kind="promise_question")
    second = services.email(_message(subject="again"), key="promise-reply:7", kind="x")
    assert first.pk == second.pk
    assert Message.objects.get().subject == "Order DK-1 shipped"


def test_a_message_is_written_with_the_change_or_not_at_all():
    with pytest.raises(RuntimeError), transaction.atomic():
        services.email(_message(), key="order-event:2", kind="order_paid")
        raise RuntimeError("the change is rolled back")
    assert not Message.objects.exists()


def test_a_mail_server_that_is_down_is_retried_later(smtp, settings):
    # given the mail server is unreachable
    row = services.email(_message(), key="order-event:3", kind="order_paid")
    settings.EMAIL_PORT = free_port()
    # when the worker tries
    assert services.deliver(row.pk) is False
    # then the message waits for a later attempt, with the reason
    row.refresh_from_db()
    assert row.status == Message.Status.PENDING and row.attempts == 1
    assert row.next_attempt_at > timezone.now() + dt.timedelta(seconds=50)
    assert "ConnectionRefusedError" in row.last_error
    assert services.deliver_due() == 0  # not due yet
    # when the server is back and the time has come
    settings.EMAIL_PORT = smtp.controller.port
    Message.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert services.deliver_due() == 1
    # then it is delivered once
    assert len(smtp.messages) == 1
    row.refresh_from_db()
    assert row.status == Message.Status.SENT and row.attempts == 2 and row.last_error == ""


def test_after_the_last_attempt_a_message_is_failed_and_staff_can_send_it_again(smtp, settings):
    row = services.email(_message(), key="order-event:4", kind="order_paid")
    Message.objects.filter(pk=row.pk).update(attempts=services.MAX_ATTEMPTS - 1)
    settings.EMAIL_PORT = free_port()
    assert services.deliver(row.pk) is False
    row.refresh_from_db()
    assert row.status == Message.Status.FAILED
    # staff send it again once the server works
    settings.EMAIL_PORT = smtp.controller.port
    assert services.retry([row.pk]) == 1
    assert services.deliver(row.pk) is True
    assert len(smtp.messages) == 1


def test_a_message_claimed_by_a_worker_that_died_is_sent_again_with_the_same_key(smtp):
    # given a worker that claimed a message, sent it, and was killed before recording it
    row = services.email(_message(), key="order-event:5", kind="order_paid")
    services._send(row)
    Message.objects.filter(pk=row.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    # when the lease has run out and another worker sweeps
    assert services.deliver_due() == 1
    # then it went out twice, with one key: the receiver sees one message
    keys = [received["X-Idempotency-Key"] for received in smtp.messages]
    assert keys == [str(row.idempotency_key)] * 2
    assert len(set(received["Message-ID"] for received in smtp.messages)) == 1


def test_a_message_held_by_a_live_worker_is_not_sent_by_another(smtp):
    row = services.email(_message(), key="order-event:6", kind="order_paid")
    Message.objects.filter(pk=row.pk).update(locked_until=timezone.now() + dt.timedelta(minutes=1))
    assert services.deliver(row.pk) is False
    assert services.deliver_due() == 0
    assert smtp.messages == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_at_once_send_once(smtp, settings):
    # the nudge only queues the delivery, so the two workers below are the ones that try
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    row = services.email(_message(), key="order-event:8", kind="order_paid")
    results = []
    start = threading.Barrier(2)

    def worker():
        start.wait()
        try:
            results.append(services.deliver(row.pk))
        finally:
            from django.db import connection

            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert len(smtp.messages) == 1


def test_staff_see_the_log_but_only_managers_send_again(client):
    row = services.email(_message(), key="order-event:9", kind="order_paid")
    Message.objects.filter(pk=row.pk).update(status=Message.Status.FAILED)
    handler = User.objects.create_user("handler@example.kz", "kokteM-2026!h", is_staff=True)
    handler.groups.add(Group.objects.get(name="Order handlers"))
    login_verified(client, handler)
    assert client.get("/admin/outbox/message/").status_code == 200
    client.post("/admin/outbox/message/", {"action": "send_again", "_selected_action": [row.pk]})
    assert Message.objects.get().status == Message.Status.FAILED
    manager = User.objects.create_user("manager@example.kz", "kokteM-2026!m", is_staff=True)
    manager.groups.add(Group.objects.get(name="Manager"))
    login_verified(client, manager)
    client.post("/admin/outbox/message/", {"action": "send_again", "_selected_action": [row.pk]})
    assert Message.objects.get().status == Message.Status.PENDING
    editor = User.objects.create_user("editor@example.kz", "kokteM-2026!e", is_staff=True)
    editor.groups.add(Group.objects.get(name="Catalog editors"))
    login_verified(client, editor)
    assert client.get("/admin/outbox/message/").status_code == 403
