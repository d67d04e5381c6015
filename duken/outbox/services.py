"""The outbox: every message that leaves the shop goes through here.

``email()`` queues an e-mail inside the caller's transaction, keyed by its cause, so it exists
exactly when the change that causes it commits, and asking twice queues it once. After the
commit the worker is nudged to ``deliver()`` it; ``deliver_due()``, run by the worker every
minute, sends whatever a nudge missed (a process that died right after its commit) and the
retries. Nothing is sent from inside a request's transaction or a lock.

A message is claimed for ``lease()`` (``DUKEN_OUTBOX_LEASE_SECONDS``) before it is sent, so two workers never send it at once; a
worker killed between sending and recording leaves the claim to expire and the message is sent
again with the same ``X-Idempotency-Key`` and ``Message-ID``, by which the receiver knows it.
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Message

logger = logging.getLogger(__name__)


def lease() -> timedelta:
    """How long a claimed message is held before another worker may send it again."""
    return timedelta(seconds=getattr(settings, "DUKEN_OUTBOX_LEASE_SECONDS", 120))


MAX_ATTEMPTS = 10
# Minutes to wait after the n-th failed attempt (the last value repeats): about a day in all.
BACKOFF_MINUTES = (1, 2, 5, 15, 30, 60, 120, 240, 480)
IDEMPOTENCY_HEADER = "X-Idempotency-Key"


def email(
    message: EmailMultiAlternatives, *, key: str, kind: str, user=None, reference=""
) -> Message:
    """Queue ``message`` (one recipient) for delivery, once per ``key``; returns its row.

    Call it inside the transaction of the change that causes the e-mail."""
    html = next(
        (
            body
            for body, mimetype in getattr(message, "alternatives", [])
            if mimetype == "text/html"
        ),
        "",
    )
    if user is not None and getattr(user, "pk", None) is None:
        user = None
    with transaction.atomic():
        row, created = Message.objects.get_or_create(
            key=key[:200],
            defaults={
                "channel": Message.Channel.EMAIL,
                "kind": kind[:40],
                "user": user,
                "reference": str(reference or "")[:64],
                "sender": message.from_email or settings.DEFAULT_FROM_EMAIL,
                "to": (message.to[0] if message.to else "")[:254],
                "subject": str(message.subject or "")[:255],
                "text": message.body or "",
                "html": html,
                "headers": dict(message.extra_headers or {}),
            },
        )
    if created:
        transaction.on_commit(partial(_nudge, row.pk), robust=True)
    return row


def email_once(message, *, key: str, claim, kind: str, user=None, reference="") -> bool:
    """Queue ``message`` if ``claim()`` (a conditional UPDATE on the row it is about, e.g.
    "notified_at is still empty") wins; claim and message commit together, so the claim never
    stands without its message nor the other way round. Returns whether it was queued."""
    with transaction.atomic():
        if not claim():
            return False
        email(message, key=key, kind=kind, user=user, reference=reference)
    return True


def _nudge(message_id: int) -> None:
    from .tasks import deliver_message

    deliver_message.enqueue(message_id)


def _message_id(row: Message) -> str:
    domain = (settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "duken").lower()
    return f"<{row.idempotency_key}@{domain}>"


def _send(row: Message) -> None:
    headers = {
        **row.headers,
        "Message-ID": _message_id(row),
        IDEMPOTENCY_HEADER: str(row.idempotency_key),
    }
    email = EmailMultiAlternatives(
        subject=row.subject, body=row.text, from_email=row.sender, to=[row.to], headers=headers
    )
    if row.html:
        email.attach_alternative(row.html, "text/html")
    email.send(fail_silently=False)


def _due(now):
    return Message.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now),
        status=Message.Status.PENDING,
        next_attempt_at__lte=now,
    )


def deliver(message_id: int) -> bool:
    """Send one message if it is due and nobody else holds it; returns whether it was sent."""
    now = timezone.now()
    if not _due(now).filter(pk=message_id).update(locked_until=now + lease()):
        return False
    row = Message.objects.get(pk=message_id)
    try:
        _send(row)
    except Exception as exc:  # any failure of the mail server: try again later
        attempts = row.attempts + 1
        wait = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1]
        gave_up = attempts >= MAX_ATTEMPTS
        Message.objects.filter(pk=row.pk).update(
            attempts=attempts,
            status=Message.Status.FAILED if gave_up else Message.Status.PENDING,
            next_attempt_at=now + timedelta(minutes=wait),
            locked_until=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning(
            "outgoing message not delivered",
            extra={
                "outbox_message": row.pk,
                "kind": row.kind,
                "attempts": attempts,
                "gave_up": gave_up,
            },
        )
        return False
    Message.objects.filter(pk=row.pk).update(
        status=Message.Status.SENT,
        sent_at=timezone.now(),
        attempts=F("attempts") + 1,
        locked_until=None,
        last_error="",
    )
    logger.info("outgoing message delivered", extra={"outbox_message": row.pk, "kind": row.kind})
    return True


def deliver_due(limit: int = 200) -> int:
    """Send the messages that are due (new ones a nudge missed, and retries); returns how many
    were sent."""
    ids = list(
        _due(timezone.now()).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )
    return sum(deliver(pk) for pk in ids)


def retry(message_ids) -> int:
    """Staff: send failed messages again from now on; returns how many were queued."""
    changed = Message.objects.filter(pk__in=message_ids, status=Message.Status.FAILED).update(
        status=Message.Status.PENDING, next_attempt_at=timezone.now(), attempts=0
    )
    for pk in message_ids:
        transaction.on_commit(partial(_nudge, pk), robust=True)
    return changed
