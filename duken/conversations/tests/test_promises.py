"""Promises: owner and due time from the settings, overdue, and a closing reply that quotes the
customer's own words."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from duken.conversations import guest_addresses, promises, questions
from duken.conversations.models import Promise

pytestmark = pytest.mark.django_db


def test_due_time_comes_from_the_setting_per_kind(settings, shopper):
    # given
    settings.DUKEN_PROMISE_HOURS = {"question": 2}
    said = timezone.now()
    # when
    question = promises.open_promise(
        "question", words="Is it wool?", customer=shopper, said_at=said
    )
    chat = promises.open_promise("chat", words="Hello?", customer=shopper, said_at=said)
    # then: the configured kind uses the setting, the other its default
    assert question.due_at == said + dt.timedelta(hours=2)
    assert chat.due_at == said + dt.timedelta(hours=promises.DEFAULT_HOURS["chat"])


def test_unknown_kind_is_refused(shopper):
    with pytest.raises(ValueError):
        promises.open_promise("gossip", words="x", customer=shopper)


def test_the_owner_is_the_configured_address_then_the_support_group(settings, shopper):
    User = get_user_model()
    support = User.objects.create_user("support@duken.example", "pw-123456789", is_staff=True)
    boss = User.objects.create_user("boss@duken.example", "pw-123456789", is_staff=True)
    Group.objects.get_or_create(name="Support")[0].user_set.add(support)
    # without a setting: the first of the Support group
    settings.DUKEN_PROMISE_OWNER_EMAIL = ""
    assert promises.open_promise("chat", words="Hi", customer=shopper).owner == support
    # with the setting
    settings.DUKEN_PROMISE_OWNER_EMAIL = "BOSS@duken.example"
    assert promises.open_promise("chat", words="Hi", customer=shopper).owner == boss


def test_no_owner_when_nobody_is_set_up(settings, shopper):
    settings.DUKEN_PROMISE_OWNER_EMAIL = ""
    assert promises.open_promise("chat", words="Hi", customer=shopper).owner is None


def test_overdue_is_open_and_past_due(shopper, staff, django_capture_on_commit_callbacks):
    # given
    old = timezone.now() - dt.timedelta(days=3)
    late = promises.open_promise("question", words="Late?", customer=shopper, said_at=old)
    fresh = promises.open_promise("question", words="Fresh", customer=shopper)
    kept_late = promises.open_promise("chat", words="Done", customer=shopper, said_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        promises.close_promise(kept_late, "Sorted", staff)
    # then
    assert list(promises.overdue()) == [late]
    assert late.is_overdue and not fresh.is_overdue
    assert not Promise.objects.get(pk=kept_late.pk).is_overdue
    assert Promise.objects.get(pk=kept_late.pk).was_late
    # the inbox order: oldest first
    assert list(promises.open_promises()) == [late, fresh]


def test_closing_quotes_the_customers_words_with_the_date(
    shopper, staff, product, django_capture_on_commit_callbacks
):
    # given a question asked on 3 May
    shopper.first_name = "Marat"
    shopper.save()
    said = timezone.make_aware(dt.datetime(2026, 5, 3, 15, 0))
    promise = promises.open_promise(
        "question",
        words="Do these come in size 44?",
        customer=shopper,
        said_at=said,
        language="en",
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        promises.close_promise(promise, "Yes, from next week.", staff)
    # then
    promise.refresh_from_db()
    assert promise.status == Promise.Status.KEPT
    assert promise.closed_by == staff and promise.reply == "Yes, from next week."
    assert promise.notified_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [shopper.email]
    assert "You asked on 3 May 2026:" in message.body
    assert "“Do these come in size 44?”" in message.body
    assert "Yes, from next week." in message.body
    html = message.alternatives[0][0]
    assert "Do these come in size 44?" in html
    # and the e-mail is on the customer's timeline
    from duken.customers.timeline import entries_for

    emails = [e for e in entries_for(shopper) if e.kind == "email"]
    assert [e.title for e in emails] == [message.subject] or message.subject in emails[0].title


def test_the_reply_is_written_in_the_customers_language(
    shopper, staff, django_capture_on_commit_callbacks
):
    said = timezone.make_aware(dt.datetime(2026, 5, 3, 15, 0))
    promise = promises.open_promise(
        "chat", words="Сәлем", customer=shopper, said_at=said, language="ru"
    )
    with django_capture_on_commit_callbacks(execute=True):
        promises.close_promise(promise, "Здравствуйте!", staff)
    body = mail.outbox[0].body
    assert "мая 2026" in body
    assert "“Сәлем”" in body


def test_html_in_the_customers_words_is_escaped_in_the_html_mail(
    shopper, staff, django_capture_on_commit_callbacks
):
    promise = promises.open_promise(
        "chat", words="<script>alert(1)</script>", customer=shopper, language="en"
    )
    with django_capture_on_commit_callbacks(execute=True):
        promises.close_promise(promise, "<b>ok</b>", staff)
    html = mail.outbox[0].alternatives[0][0]
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;ok&lt;/b&gt;" in html


def test_a_promise_is_closed_once_and_the_mail_sent_once(
    shopper, staff, django_capture_on_commit_callbacks
):
    promise = promises.open_promise("chat", words="Hi", customer=shopper)
    with django_capture_on_commit_callbacks(execute=True):
        promises.close_promise(promise, "Hello", staff)
    with pytest.raises(promises.PromiseClosed):
        promises.close_promise(promise, "Hello again", staff)
    # the task run twice sends nothing the second time
    from duken.conversations import emails

    assert emails.send_reply(promise.pk) is False
    assert len(mail.outbox) == 1


def test_dismissing_sends_nothing(shopper, staff, django_capture_on_commit_callbacks):
    promise = promises.open_promise("chat", words="Buy cheap watches", customer=shopper)
    with django_capture_on_commit_callbacks(execute=True):
        promises.dismiss_promise(promise, staff, "spam")
    promise.refresh_from_db()
    assert promise.status == Promise.Status.CLOSED
    assert mail.outbox == []


def test_a_guests_back_in_stock_request_is_a_promise_to_an_address(
    product, staff, django_capture_on_commit_callbacks
):
    address = guest_addresses.address_for("guest@example.kz", "v" * 32)
    guest_addresses.confirm(address)
    promise = promises.open_promise(
        "back_in_stock",
        words="Size 44 please",
        email="guest@example.kz",
        guest_address=address,
        target=product,
        language="en",
    )
    assert promise.target == product
    assert promises.promise_for(product) == promise
    with django_capture_on_commit_callbacks(execute=True):
        promises.close_promise(promise, "It is back!", staff)
    assert mail.outbox[0].to == ["guest@example.kz"]
    assert "asked us to tell you when this is back" in mail.outbox[0].body


def test_asking_opens_a_promise_and_the_first_answer_keeps_it(
    shopper, staff, product, django_capture_on_commit_callbacks
):
    # given
    question = questions.ask(shopper, product, "Is the sole rubber?")
    promise = promises.promise_for(question)
    assert promise.kind == "question" and promise.words == "Is the sole rubber?"
    assert promise.customer == shopper and promise.status == "open"
    # when
    with django_capture_on_commit_callbacks(execute=True):
        questions.answer(question, staff, "Yes, natural rubber.")
    # then
    promise.refresh_from_db()
    question.refresh_from_db()
    assert promise.status == "kept" and question.answered_at is not None
    assert len(mail.outbox) == 1
    assert "Felt Slippers" in mail.outbox[0].subject
    assert f"/questions/{question.pk}/" in mail.outbox[0].body
    assert "“Is the sole rubber?”" in mail.outbox[0].body
    # a second answer sends no second mail
    with django_capture_on_commit_callbacks(execute=True):
        questions.answer(question, staff, "And it is stitched.")
    assert len(mail.outbox) == 1


def test_who_may_answer(settings, shopper, buyer, staff, clerk, product):
    question = questions.ask(shopper, product, "Warm enough for −30?")
    assert questions.may_answer(staff, question)
    assert questions.may_answer(buyer, question)
    assert not questions.may_answer(shopper, question)  # the asker, not a buyer
    assert not questions.may_answer(clerk, question)  # staff without the permission
    settings.DUKEN_BUYERS_MAY_ANSWER = False
    assert not questions.may_answer(buyer, question)
    with pytest.raises(questions.AnswerRefused):
        questions.answer(question, buyer, "Yes")


def test_the_support_group_answers_and_owns_new_promises(settings, shopper, product):
    # given the staff groups as migrate leaves them, and one member of Support
    from duken.customers.groups import ensure_staff_groups

    ensure_staff_groups()
    settings.DUKEN_PROMISE_OWNER_EMAIL = ""
    support = get_user_model().objects.create_user(
        "help@duken.example", "pw-123456789", is_staff=True
    )
    support.groups.add(Group.objects.get(name="Support"))
    support = get_user_model().objects.get(pk=support.pk)  # fresh permission cache
    # when
    question = questions.ask(shopper, product, "Gift wrapping?")
    # then
    assert promises.promise_for(question).owner == support
    assert questions.may_answer(support, question)
