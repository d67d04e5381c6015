"""Promises kept: every question, chat request, back-in-stock or product request opens a promise
with an owner on the staff and a due time; closing it e-mails the customer a reply that quotes
their own words.

Due times come from ``DUKEN_PROMISE_HOURS`` (hours per kind, see ``DEFAULT_HOURS``). The owner of
a new promise is the active staff user with the e-mail ``DUKEN_PROMISE_OWNER_EMAIL``, otherwise
the first active member of the "Support" staff group, otherwise nobody (it waits unassigned in
the inbox)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from .models import Promise

DEFAULT_HOURS = {
    Promise.Kind.QUESTION: 24,
    Promise.Kind.CHAT: 1,
    Promise.Kind.BACK_IN_STOCK: 24 * 14,
    Promise.Kind.PRODUCT_REQUEST: 24 * 3,
}
SUPPORT_GROUP = "Support"


class PromiseClosed(ValueError):
    """The promise was already kept or closed."""


def hours_for(kind: str) -> float:
    configured = getattr(settings, "DUKEN_PROMISE_HOURS", None) or {}
    return float(configured.get(kind, DEFAULT_HOURS.get(kind, 24)))


def default_owner():
    User = get_user_model()
    email = getattr(settings, "DUKEN_PROMISE_OWNER_EMAIL", "")
    staff = User.objects.filter(is_active=True, is_staff=True)
    if email:
        owner = staff.filter(email__iexact=email).first()
        if owner is not None:
            return owner
    return staff.filter(groups__name=SUPPORT_GROUP).order_by("pk").first()


def open_promise(
    kind: str,
    *,
    words: str,
    customer=None,
    email: str = "",
    guest_address=None,
    target=None,
    said_at=None,
    said_where: str = "",
    language: str = "",
    owner=None,
) -> Promise:
    """Open a promise to ``customer`` (or a guest's ``email``) about ``target``. A guest's
    reply goes out once their ``guest_address`` is confirmed (``guest_addresses``)."""
    if kind not in Promise.Kind.values:
        raise ValueError(f"unknown promise kind {kind!r}")
    said_at = said_at or timezone.now()
    return Promise.objects.create(
        kind=kind,
        content_type=ContentType.objects.get_for_model(target) if target is not None else None,
        object_id=target.pk if target is not None else None,
        customer=customer,
        email=email,
        guest_address=guest_address,
        words=words,
        said_at=said_at,
        said_where=said_where[:200],
        language=language or getattr(customer, "language", "") or "",
        owner=owner if owner is not None else default_owner(),
        due_at=said_at + timedelta(hours=hours_for(kind)),
    )


def promise_for(target, status=Promise.Status.OPEN) -> Promise | None:
    ct = ContentType.objects.get_for_model(target)
    promises = Promise.objects.filter(content_type=ct, object_id=target.pk)
    if status:
        promises = promises.filter(status=status)
    return promises.order_by("said_at", "pk").first()


def open_promises():
    """Open promises, oldest first (the order the inbox works through them)."""
    return Promise.objects.filter(status=Promise.Status.OPEN).order_by("said_at", "pk")


def overdue(now=None):
    return open_promises().filter(due_at__lt=now or timezone.now())


def _finish(promise: Promise, status: str, reply: str, by) -> Promise:
    with transaction.atomic():
        locked = Promise.objects.select_for_update().get(pk=promise.pk)
        if locked.status != Promise.Status.OPEN:
            raise PromiseClosed
        locked.status = status
        locked.reply = reply
        locked.closed_at = timezone.now()
        locked.closed_by = by if getattr(by, "is_authenticated", False) else None
        locked.save(update_fields=["status", "reply", "closed_at", "closed_by"])
        if status == Promise.Status.KEPT and locked.recipient:
            # Queued with the change: the outbox sends it once it is durable.
            from .emails import send_reply

            send_reply(locked.pk)
    for field in ("status", "reply", "closed_at", "closed_by"):
        setattr(promise, field, getattr(locked, field))
    return promise


def close_promise(promise: Promise, reply: str, by) -> Promise:
    """Keep the promise: store the reply and e-mail it to the customer, quoting their words.
    Raises ``PromiseClosed`` if it was already closed (a second click sends nothing)."""
    reply = (reply or "").strip()
    if not reply:
        raise ValueError("a reply is needed to keep a promise")
    return _finish(promise, Promise.Status.KEPT, reply, by)


def dismiss_promise(promise: Promise, by, note: str = "") -> Promise:
    """Close a promise without a reply to the customer (spam, a duplicate, withdrawn)."""
    return _finish(promise, Promise.Status.CLOSED, (note or "").strip(), by)


def assign(promise: Promise, owner) -> Promise:
    promise.owner = owner
    promise.save(update_fields=["owner"])
    return promise


def open_count(user) -> int:
    return Promise.objects.filter(customer=user, status=Promise.Status.OPEN).count()
