"""How long the shop keeps what it records on its own, without an order behind it.

- raw interaction events (views, searches, cart events, of customers and visitors alike):
  ``DUKEN_RETENTION_RAW_EVENTS_DAYS`` (395: a year and a month, so a year can be compared with
  the year before);
- anonymous visitors' data: events without an account and the consent choices of browsers
  never tied to an account, ``DUKEN_RETENTION_ANONYMOUS_DAYS`` (180); the search log keeps its
  searches for statistics but loses their session link after the same time.

A period of 0 keeps that kind for ever. ``purge()`` deletes in batches (short transactions, so the shop keeps writing meanwhile); the
worker runs it daily, ``duken retention`` runs it now. Safe to run any time, also twice.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import ConsentRecord

BATCH = 2000


def _delete_in_batches(queryset, batch: int) -> int:
    model = queryset.model
    total = 0
    while True:
        pks = list(queryset.values_list("pk", flat=True)[:batch])
        if not pks:
            return total
        model.objects.filter(pk__in=pks).delete()
        total += len(pks)


def _before(now, days: int):
    """The cut-off ``days`` before ``now``; None for 0 (kept for ever)."""
    return now - timedelta(days=days) if days > 0 else None


def cutoffs(now=None) -> tuple:
    now = now or timezone.now()
    return (
        _before(now, settings.DUKEN_RETENTION_RAW_EVENTS_DAYS),
        _before(now, settings.DUKEN_RETENTION_ANONYMOUS_DAYS),
    )


def purge(now=None, *, batch: int = BATCH) -> dict:
    """Delete what is past its retention period; returns how many rows of each kind went."""
    from duken.catalog.models import SearchQuery
    from duken.interactions.models import Event

    raw_before, anonymous_before = cutoffs(now)
    counts = dict.fromkeys(
        ["events", "anonymous_events", "anonymous_consents", "searches_unlinked"], 0
    )
    if raw_before is not None:
        counts["events"] = _delete_in_batches(
            Event.objects.filter(occurred_at__lt=raw_before).order_by(), batch
        )
    if anonymous_before is None:
        return counts
    counts["anonymous_events"] = _delete_in_batches(
        Event.objects.filter(user__isnull=True, occurred_at__lt=anonymous_before).order_by(),
        batch,
    )
    counts["anonymous_consents"] = _delete_in_batches(
        ConsentRecord.objects.filter(user__isnull=True, created_at__lt=anonymous_before).order_by(),
        batch,
    )
    unlinked = 0
    old_sessions = SearchQuery.objects.filter(
        created_at__lt=anonymous_before, user__isnull=True
    ).exclude(session_key="")
    while True:
        pks = list(old_sessions.values_list("pk", flat=True)[:batch])
        if not pks:
            break
        unlinked += SearchQuery.objects.filter(pk__in=pks).update(session_key="")
    counts["searches_unlinked"] = unlinked
    return counts
