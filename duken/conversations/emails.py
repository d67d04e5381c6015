"""The reply that keeps a promise, e-mailed in the customer's language and quoting the words
they wrote, with the date they wrote them."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from duken.outbox import services as outbox

from .models import Promise


def _intro(kind: str, date: str) -> str:
    # Translated at call time, in the customer's language.
    texts = {
        Promise.Kind.QUESTION: _("You asked on %(date)s:"),
        Promise.Kind.CHAT: _("You wrote to us on %(date)s:"),
        Promise.Kind.BACK_IN_STOCK: _("On %(date)s you asked us to tell you when this is back:"),
        Promise.Kind.PRODUCT_REQUEST: _("On %(date)s you asked us for:"),
    }
    return texts.get(kind, _("You wrote on %(date)s:")) % {"date": date}


def _subject(promise: Promise) -> str:
    product = getattr(promise.target, "product", None)
    if product is not None and promise.kind == Promise.Kind.QUESTION:
        return _("Your question about %(product)s has an answer") % {"product": product.name}
    if product is not None and promise.kind == Promise.Kind.BACK_IN_STOCK:
        return _("%(product)s is back in stock") % {"product": product.name}
    if promise.kind == Promise.Kind.PRODUCT_REQUEST:
        return _("A reply to your product request")
    if promise.kind == Promise.Kind.CHAT:
        return _("A reply to your chat message")
    return _("A reply to your message")


def promise_language(promise: Promise) -> str:
    languages = {code for code, _name in settings.LANGUAGES}
    for candidate in (promise.language, getattr(promise.customer, "language", "")):
        if candidate and candidate[:2] in languages:
            return candidate[:2]
    return settings.LANGUAGE_CODE


def link_for(promise: Promise) -> str:
    target = promise.target
    url = target.get_absolute_url() if hasattr(target, "get_absolute_url") else ""
    return settings.SITE_URL.rstrip("/") + url if url else ""


def quoted_intro(promise: Promise) -> str:
    said = timezone.localtime(promise.said_at)
    return _intro(promise.kind, formats.date_format(said, "j E Y"))


def build_message(promise: Promise) -> EmailMultiAlternatives:
    with translation.override(promise_language(promise)):
        customer = promise.customer
        context = {
            "promise": promise,
            "name": (getattr(customer, "first_name", "") or "").strip(),
            "intro": quoted_intro(promise),
            "words": promise.words,
            "reply": promise.reply,
            "link": link_for(promise),
            "site_url": settings.SITE_URL,
        }
        subject = _subject(promise)
        text = render_to_string("conversations/email/promise_reply.txt", context)
        html = render_to_string("conversations/email/promise_reply.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[promise.recipient],
    )
    message.attach_alternative(html, "text/html")
    return message


def send_reply(promise_id: int) -> bool:
    """Queue the reply of a kept promise in the outbox, at most once (in the caller's
    transaction). Returns whether it was queued."""
    promise = (
        Promise.objects.select_related("customer", "guest_address").filter(pk=promise_id).first()
    )
    if promise is None or promise.status != Promise.Status.KEPT or promise.notified_at:
        return False
    if not promise.recipient:
        return False
    message = build_message(promise)
    pending = Promise.objects.filter(pk=promise.pk)
    return outbox.email_once(
        message,
        key=f"promise-reply:{promise.pk}",
        claim=lambda: pending.filter(notified_at__isnull=True).update(notified_at=timezone.now()),
        kind=f"promise_{promise.kind}",
        user=promise.customer,
        reference=str(promise.pk),
    )
