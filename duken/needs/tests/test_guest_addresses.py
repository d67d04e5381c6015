"""Double opt-in for the addresses guests type: a guest who types someone else's address makes
the shop send that person one confirmation e-mail a day at most, and nothing else (no
back-in-stock notice, no reply to a request, no chat reply) until the owner confirms from the
link; then what was held goes out. A signed-in customer's own address needs no confirmation."""

import re
import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from duken.conversations import chat, guest_addresses, promises
from duken.conversations.models import ConfirmationMail, Promise
from duken.needs.models import BackInStockRequest, ProductRequest
from duken.testing.factories import make_product

pytestmark = pytest.mark.django_db

VICTIM = "victim@example.kz"


def _browser():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _ask_back_in_stock(browser, product, email, captured):
    with captured(execute=True):
        return browser.post(
            reverse("needs:back_in_stock", args=[product.pk]), {"email": email}, follow=True
        )


def _confirmation_link(message) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/confirm/\S+/)", message.body)[1]


def test_a_stranger_typing_someone_elses_address_gets_them_one_confirmation_and_nothing_else(
    sold_out, staff, django_capture_on_commit_callbacks
):
    # given a guest who types someone else's address on a sold-out product
    attacker = _browser()
    page = _ask_back_in_stock(attacker, sold_out, VICTIM, django_capture_on_commit_callbacks)
    # then the page says a confirmation link went to the address
    assert f"We sent a confirmation link to {VICTIM}" in page.content.decode()
    # and the address got one short e-mail saying who asked and what for, with a link
    assert [m.to for m in mail.outbox] == [[VICTIM]]
    confirmation = mail.outbox[0]
    assert confirmation.subject == "Duken: please confirm your e-mail address"
    assert "someone gave this address" in confirmation.body
    assert "to tell you when “Felt Slippers” is back in stock" in confirmation.body
    assert "/confirm/" in confirmation.body
    # when the attacker asks again, for other products, with "tell us" and in the chat
    other = make_product(name="Camel Blanket", stock=0, allow_backorder=False)
    _ask_back_in_stock(attacker, sold_out, VICTIM, django_capture_on_commit_callbacks)
    _ask_back_in_stock(attacker, other, VICTIM, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        told = attacker.post(
            reverse("needs:tell_us"), {"text": "Click evil.example now", "email": VICTIM}
        )
        state = attacker.get("/chat/").json()
        attacker.post(
            "/chat/send/",
            {"text": "Hello", "email": VICTIM},
            HTTP_X_CSRFTOKEN=state["csrf"],
        )
    assert f"We sent a confirmation link to {VICTIM}" in told.content.decode()
    assert "We sent a confirmation link to" in attacker.get("/chat/").json()["notice"]
    # and the products come back, staff answer the request and the chat
    with django_capture_on_commit_callbacks(execute=True):
        sold_out.stock = 5
        sold_out.save()
        other.stock = 5
        other.save()
        request = ProductRequest.objects.get()
        promises.close_promise(request.promise, "We found it: see the link.", staff)
        conversation = chat.current_for(None, attacker.session)
        chat.post(conversation, "Hello! How can we help?", author=staff, by_staff=True)
    # then nothing more reached the address: the one confirmation e-mail is all it got
    assert [m.to for m in mail.outbox] == [[VICTIM]]
    assert BackInStockRequest.objects.filter(notified_at__isnull=True).count() == 2
    assert Promise.objects.get(pk=request.promise_id).notified_at is None


def test_confirming_sends_what_was_held_and_later_asks_need_no_confirmation(
    sold_out, staff, django_capture_on_commit_callbacks
):
    # given a guest asked with their own address, and the product came back before they
    # confirmed it
    guest = _browser()
    _ask_back_in_stock(guest, sold_out, "aigerim@example.kz", django_capture_on_commit_callbacks)
    link = _confirmation_link(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        sold_out.stock = 2
        sold_out.save()
    assert len(mail.outbox) == 1
    # when they open the link (possibly in their mail app's browser) and confirm
    opener = _browser()
    page = opener.get(link)
    assert page.status_code == 200 and "to tell you when “Felt Slippers”" in page.content.decode()
    assert len(mail.outbox) == 1  # opening the link confirms nothing: a mail scanner does that
    with django_capture_on_commit_callbacks(execute=True):
        done = opener.post(link)
    # then the page thanks them and the held notice goes out
    assert "Your address is confirmed" in done.content.decode()
    assert [m.subject for m in mail.outbox[1:]] == ["Felt Slippers is back in stock"]
    assert mail.outbox[1].to == ["aigerim@example.kz"]
    # and a later ask from the same browser needs no confirmation
    again = make_product(name="Wool Socks", stock=0, allow_backorder=False)
    page = _ask_back_in_stock(
        guest, again, "aigerim@example.kz", django_capture_on_commit_callbacks
    )
    assert "We will e-mail you once when it is back in stock." in page.content.decode()
    assert len(mail.outbox) == 2


def test_a_confirmation_holds_for_the_browser_that_gave_the_address_only(
    sold_out, django_capture_on_commit_callbacks
):
    # given the owner confirmed their address from their own browser yesterday
    owner = _browser()
    _ask_back_in_stock(owner, sold_out, VICTIM, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        _browser().post(_confirmation_link(mail.outbox[0]))
    ConfirmationMail.objects.update(sent_at=timezone.now() - timedelta(days=1, minutes=1))
    # when a stranger types the same address for another product
    other = make_product(name="Camel Blanket", stock=0, allow_backorder=False)
    page = _ask_back_in_stock(_browser(), other, VICTIM, django_capture_on_commit_callbacks)
    # then the stranger is told a confirmation is needed (nothing reveals the owner's), and
    # the product's return e-mails nobody
    assert f"We sent a confirmation link to {VICTIM}" in page.content.decode()
    assert mail.outbox[-1].subject == "Duken: please confirm your e-mail address"
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        other.stock = 3
        other.save()
    assert len(mail.outbox) == sent


def test_a_tell_us_reply_waits_for_the_confirmation(staff, django_capture_on_commit_callbacks):
    # given a guest's request with their address, answered by staff before they confirmed
    guest = _browser()
    with django_capture_on_commit_callbacks(execute=True):
        guest.post(reverse("needs:tell_us"), {"text": "A camel wool blanket", "email": "a@x.kz"})
    request = ProductRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        promises.close_promise(request.promise, "We have it now.", staff)
    assert [m.subject for m in mail.outbox] == ["Duken: please confirm your e-mail address"]
    # when they confirm
    with django_capture_on_commit_callbacks(execute=True):
        _browser().post(_confirmation_link(mail.outbox[0]))
    # then the reply goes out
    assert mail.outbox[-1].subject == "A reply to your product request"
    assert "We have it now." in mail.outbox[-1].body


def test_a_chat_reply_waits_for_the_confirmation(staff, django_capture_on_commit_callbacks):
    # given a guest chatting with an unconfirmed address, gone when staff answer
    guest = _browser()
    with django_capture_on_commit_callbacks(execute=True):
        state = guest.get("/chat/").json()
        guest.post(
            "/chat/send/",
            {"text": "Do you ship to Aktau?", "email": "a@x.kz"},
            HTTP_X_CSRFTOKEN=state["csrf"],
        )
    conversation = chat.current_for(None, guest.session)
    with django_capture_on_commit_callbacks(execute=True):
        chat.post(conversation, "Yes, in 3 days.", author=staff, by_staff=True)
    assert len(mail.outbox) == 1
    # when the guest confirms
    with django_capture_on_commit_callbacks(execute=True):
        _browser().post(_confirmation_link(mail.outbox[0]))
    # then the reply is e-mailed, and the notice in the chat is gone
    assert mail.outbox[-1].subject == "The shop answered you in the chat"
    assert "Yes, in 3 days." in mail.outbox[-1].body
    assert guest.get("/chat/").json()["notice"] == ""


def test_a_signed_in_customer_needs_no_confirmation_and_cannot_redirect_replies(
    shopper, staff, django_capture_on_commit_callbacks
):
    # given a customer who types another address in the chat
    browser = _browser()
    browser.force_login(shopper)
    with django_capture_on_commit_callbacks(execute=True):
        state = browser.get("/chat/").json()
        browser.post(
            "/chat/send/",
            {"text": "Hi", "email": VICTIM},
            HTTP_X_CSRFTOKEN=state["csrf"],
        )
        conversation = chat.current_for(shopper, browser.session)
        chat.post(conversation, "Hello!", author=staff, by_staff=True)
    # then the reply goes to the account's own address, with no confirmation
    assert [m.to for m in mail.outbox] == [[shopper.email]]


def test_a_forged_or_expired_confirmation_link_is_refused(
    sold_out, django_capture_on_commit_callbacks
):
    # given a guest's confirmation link
    guest = _browser()
    _ask_back_in_stock(guest, sold_out, "a@x.kz", django_capture_on_commit_callbacks)
    link = _confirmation_link(mail.outbox[0])
    address = guest_addresses.from_token(link.split("/")[-2])
    # when it is tampered with, or followed after it expired
    forged = guest.post(link[:-4] + "xyz/")

    class Signed8DaysAgo(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - guest_addresses.LINK_MAX_AGE - 60)

    stale = Signed8DaysAgo(salt=guest_addresses.CONFIRM_SALT).sign_object({"g": address.pk})
    expired = guest.post(f"/confirm/{stale}/")
    # then it is refused with a message and confirms nothing
    assert forged.status_code == 404 and expired.status_code == 404
    assert "not valid any more" in expired.content.decode()
    address.refresh_from_db()
    assert not address.is_confirmed


def test_the_confirmation_e_mail_speaks_the_guests_language(
    sold_out, settings, django_capture_on_commit_callbacks
):
    guest = _browser()
    guest.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    page = _ask_back_in_stock(guest, sold_out, "a@x.kz", django_capture_on_commit_callbacks)
    assert "Мы отправили ссылку для подтверждения на a@x.kz" in page.content.decode()
    (message,) = mail.outbox
    assert message.subject == "Duken: подтвердите, пожалуйста, адрес эл. почты"
    assert "снова появится в наличии" in message.body
