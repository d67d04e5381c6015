"""A per-process buffer of analytics rows (interaction events, stored searches), written in
batches with one ``bulk_create`` per model.

Durability: buffered events live in the worker's memory until a flush. A flush happens after a
response went out (``request_finished``) once the buffer holds ``INTERACTIONS_BUFFER_SIZE`` events or its oldest event
is ``INTERACTIONS_FLUSH_SECONDS`` old, when a customer logs in, and at a clean process exit
(atexit). A worker that crashes or is killed loses what it had not flushed yet, and a quiet worker
keeps its events until its next request or exit. That is accepted for analytics events only;
order events never pass through here (``services.record`` writes them at once)."""

import atexit
import logging
import threading
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_events = []
_first_at = 0.0


def _size() -> int:
    return getattr(settings, "INTERACTIONS_BUFFER_SIZE", 100)


def _max_age() -> float:
    return getattr(settings, "INTERACTIONS_FLUSH_SECONDS", 5.0)


def add(event) -> None:
    global _first_at
    with _lock:
        if not _events:
            _first_at = time.monotonic()
        _events.append(event)
        pending = len(_events)
    # Outside a request (a task, a shell) nobody else will flush: write once the batch is full,
    # but never inside someone's transaction, which would tie the events to its fate.
    if pending >= _size() and not connection.in_atomic_block:
        flush()


def pending() -> int:
    return len(_events)


def is_due() -> bool:
    if not _events:
        return False
    return len(_events) >= _size() or time.monotonic() - _first_at >= _max_age()


def discard() -> None:
    """Forget everything buffered (tests start from an empty buffer)."""
    with _lock:
        _events.clear()


def take() -> list:
    with _lock:
        events = _events[:]
        _events.clear()
    return events


def existing(events) -> list:
    """The rows whose object and customer still exist; the others are dropped with a log
    line. One query per kind of object in the batch, plus one for the customers."""
    wanted = {}
    for event in events:
        if getattr(event, "content_type_id", None) is not None:
            wanted.setdefault(event.content_type_id, set()).add(event.object_id)
    found = {}
    for content_type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            found[content_type_id] = set()
            continue
        found[content_type_id] = set(
            model._default_manager.filter(pk__in=ids).values_list("pk", flat=True)
        )
    user_ids = {event.user_id for event in events if event.user_id is not None}
    users = set()
    if user_ids:
        users = set(
            get_user_model()._default_manager.filter(pk__in=user_ids).values_list("pk", flat=True)
        )
    kept = []
    for event in events:
        content_type_id = getattr(event, "content_type_id", None)
        if content_type_id is not None and event.object_id not in found[content_type_id]:
            logger.warning(
                "interaction event dropped: its object does not exist",
                extra={
                    "kind": getattr(event, "kind", type(event).__name__),
                    "content_type": content_type_id,
                    "object_id": event.object_id,
                },
            )
            continue
        if event.user_id is not None and event.user_id not in users:
            logger.warning(
                "interaction event dropped: its customer does not exist",
                extra={"kind": getattr(event, "kind", type(event).__name__), "user": event.user_id},
            )
            continue
        kept.append(event)
    return kept


def flush() -> int:
    """Write the buffered rows, one ``bulk_create`` per model; returns how many were written.
    Never raises."""
    rows = take()
    if not rows:
        return 0
    by_model = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row)
    written = 0
    for model, batch in by_model.items():
        try:
            batch = existing(batch)
            model._default_manager.bulk_create(batch, batch_size=500)
        except Exception:
            logger.exception(
                "buffered rows could not be written",
                extra={"model": model.__name__, "count": len(batch)},
            )
            continue
        written += len(batch)
    return written


def flush_if_due() -> int:
    if is_due():
        return flush()
    return 0


def _flush_at_exit() -> None:
    if not _events:
        return
    try:
        flush()
        connection.close()
    except Exception:  # the interpreter is going away; there is nobody left to tell but the log
        logger.exception("interaction events could not be written at exit")


atexit.register(_flush_at_exit)
