"""Double opt-in for the e-mail addresses guests give ("tell me when it is back", "tell us",
the help chat). Anyone can type anyone's address, so the shop writes to a guest's address only
after its owner confirmed, through a link e-mailed once to it, that the browser which gave it
may use it. Until then nothing else goes there: a back-in-stock request waits un-notified, a
kept promise's reply and a chat's staff replies are held; confirming sends what was held.

A confirmation holds for the address *and the browser* that gave it (an id kept in the
browser's session, which the service the guest asked for needs, so it does not wait for
consent to analytics the way the ``dk_vid`` visitor id does): it proves that whoever uses that browser reads the mailbox, nothing about the next visitor
who types the same address. So a stranger who knows a confirmed address still cannot make the
shop write there, and the page never tells a visitor whether somebody else confirmed it. The
owner confirms once per browser (again after clearing cookies).

At most one confirmation e-mail goes to an address per day (``MAIL_EVERY``), whichever browser
asked: repeating a request, from any browser, does not flood the address. The link is signed and
expires after ``LINK_MAX_AGE``; asking again after a day sends a new one."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from duken.outbox import services as outbox

from .models import ConfirmationMail, Conversation, GuestAddress, Promise

CONFIRM_SALT = "duken.conversations.guest_address"
LINK_MAX_AGE = 60 * 60 * 24 * 7  # a confirmation link works for a week
MAIL_EVERY = timedelta(days=1)

# Sent once an address is confirmed, with ``address``: apps that held something for it (the
# back-in-stock requests in ``duken.needs``) send it now.
address_confirmed = Signal()


BROWSER_KEY = "guest_browser"


def browser(request) -> str:
    """This browser's id for guest addresses, made on first use and kept in its session."""
    session = request.session
    value = session.get(BROWSER_KEY)
    if not (isinstance(value, str) and len(value) == 32):
        value = session[BROWSER_KEY] = uuid.uuid4().hex
    return value


def address_for(email: str, visitor: str | None, language: str = "") -> GuestAddress:
    """The guest address ``email`` as given from the browser ``visitor``."""
    email, visitor = email.strip().lower(), (visitor or "")[:32]
    found = GuestAddress.objects.filter(email=email, visitor=visitor).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return GuestAddress.objects.create(
                email=email, visitor=visitor, language=(language or "")[:8]
            )
    except IntegrityError:  # given at the same moment by another request of the same browser
        return GuestAddress.objects.get(email=email, visitor=visitor)


def ask_to_confirm(address: GuestAddress | None) -> None:
    """Queue the confirmation e-mail in the outbox with the caller's change (at most one a day
    per address)."""
    if address is None or address.is_confirmed:
        return
    email_confirmation(address.pk)


def waits_for_confirmation(customer, address: GuestAddress | None) -> bool:
    return customer is None and address is not None and not address.is_confirmed


# The link --------------------------------------------------------------------------------


def confirmation_url(address: GuestAddress) -> str:
    token = signing.dumps({"g": address.pk}, salt=CONFIRM_SALT, compress=True)
    return reverse("conversations:confirm_address", args=[token])


def from_token(token: str) -> GuestAddress | None:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    pk = data.get("g") if isinstance(data, dict) else None
    if not isinstance(pk, int):
        return None
    return GuestAddress.objects.filter(pk=pk).first()


def confirm(address: GuestAddress) -> bool:
    """Confirm the address for its browser; what waited for it goes out once this is durable.
    Returns whether it was confirmed now (False when it already was)."""
    now = timezone.now()
    with transaction.atomic():
        updated = GuestAddress.objects.filter(pk=address.pk, confirmed_at__isnull=True).update(
            confirmed_at=now
        )
        if updated:
            _release(address.pk)
    if updated:
        address.confirmed_at = now
    return bool(updated)


def _release(address_id: int) -> None:
    """Queue what waited for the address, in the transaction that confirms it."""
    from .chat_emails import email_reply
    from .emails import send_reply

    address = GuestAddress.objects.get(pk=address_id)
    held = Promise.objects.filter(
        guest_address=address, status=Promise.Status.KEPT, notified_at__isnull=True
    )
    for promise_id in held.values_list("pk", flat=True):
        send_reply(promise_id)
    # The newest staff reply of each open conversation that the shopper has not seen.
    for conversation in Conversation.objects.filter(
        guest_address=address, status=Conversation.Status.OPEN
    ):
        newest = conversation.messages.order_by("-created_at", "-pk").first()
        if newest is not None and newest.by_staff and newest.emailed_at is None:
            email_reply(newest.pk)
    address_confirmed.send(sender=GuestAddress, address=address)


# What the confirmation is for ------------------------------------------------------------


def purpose(address: GuestAddress) -> str:
    """What the newest request made with the address asks the shop to write about (never the
    guest's own words: whoever typed the address wrote them)."""
    promise = Promise.objects.filter(guest_address=address).order_by("-said_at", "-pk").first()
    kind = promise.kind if promise else ""
    if kind == Promise.Kind.BACK_IN_STOCK:
        return _("to tell you when “%(product)s” is back in stock") % {"product": promise.words}
    if kind == Promise.Kind.PRODUCT_REQUEST:
        return _("to answer a request for a product we do not have yet")
    if kind == Promise.Kind.CHAT:
        return _("to send you the shop's replies in the help chat")
    return _("to answer a request made in the shop")


def _language(address: GuestAddress) -> str:
    languages = {code for code, _name in settings.LANGUAGES}
    code = (address.language or "")[:2]
    return code if code in languages else settings.LANGUAGE_CODE


def build_confirmation_email(address: GuestAddress) -> EmailMultiAlternatives:
    with translation.override(_language(address)):
        context = {
            "email": address.email,
            "purpose": purpose(address),
            "when": formats.date_format(timezone.localtime(address.created_at), "j E Y"),
            "link": settings.SITE_URL.rstrip("/") + confirmation_url(address),
            "site_url": settings.SITE_URL,
        }
        subject = _("Duken: please confirm your e-mail address")
        text = render_to_string("conversations/email/confirm_address.txt", context)
        html = render_to_string("conversations/email/confirm_address.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[address.email]
    )
    message.attach_alternative(html, "text/html")
    return message


def email_confirmation(address_id: int) -> bool:
    """Queue the confirmation link for ``address_id`` in the outbox unless the address got one
    in the last ``MAIL_EVERY`` (from any browser). Returns whether it was queued."""
    address = GuestAddress.objects.filter(pk=address_id).first()
    if address is None or address.is_confirmed:
        return False
    try:
        with transaction.atomic():
            ConfirmationMail.objects.get_or_create(email=address.email)
    except IntegrityError:  # created at the same moment by another worker
        pass
    last = ConfirmationMail.objects.filter(email=address.email)
    now = timezone.now()
    return outbox.email_once(
        build_confirmation_email(address),
        key=f"address-confirmation:{address.pk}:{now.isoformat()}",
        claim=lambda: last.filter(Q(sent_at__isnull=True) | Q(sent_at__lt=now - MAIL_EVERY)).update(
            sent_at=now, guest_address=address
        ),
        kind="address_confirmation",
        reference=str(address.pk),
    )
