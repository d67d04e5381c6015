"""A per-process buffer of analytics rows (interaction events, stored searches), written in
batches with one ``bulk_create`` per model.

Durability: buffered rows live in the worker's memory until a flush. A flush happens once the
buffer holds ``INTERACTIONS_BUFFER_SIZE`` rows or its oldest row is ``INTERACTIONS_FLUSH_SECONDS``
old (checked when a response went out, ``request_finished``), when a customer logs in, and at a
clean process exit (atexit). The flush after a response runs in the process's writer thread
(``INTERACTIONS_FLUSH_IN_BACKGROUND``, on by default), so the worker goes straight on to its next
request instead of waiting for the batch write. A worker that crashes or is killed loses what it
had not flushed yet, and a quiet worker keeps its rows until its next request or exit. That is
accepted for analytics rows only; order events never pass through here (``services.record``
writes them at once)."""

import atexit
import logging
import threading
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import close_old_connections, connection, transaction

from .gates import gates

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
    # Inside a request the batch is written after the response went out (``after_response``).
    # Outside one (a task, a shell) nobody else will: write once the batch is full, but never
    # inside someone's transaction, which would tie the rows to its fate.
    if pending >= _size() and not in_request() and not connection.in_atomic_block:
        flush()


_local = threading.local()


def in_request() -> bool:
    return getattr(_local, "in_request", False)


def set_in_request(value: bool) -> None:
    """The interaction middleware marks the thread while it serves a request."""
    _local.in_request = value


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


def not_forgotten(rows) -> list:
    """Rows their customer asked us not to keep are not written for them: events are dropped,
    searches lose who made them (the shop keeps its search log for statistics). Those are rows
    recorded before the customer asked us to forget something, which may still sit in this
    process's buffer (the forget flushed only the buffer of the process that served it): when
    in doubt, forget; and rows about something the customer asked us never to remember again,
    which ``services.record`` refuses already but other writers (the search log) and a wish
    made meanwhile leave to this last check (``privacy.forgotten.unwanted``). One query, and
    only when the batch names customers."""
    if not any(getattr(row, "user_id", None) is not None for row in rows):
        return rows
    kept = []
    for row, drop in zip(rows, gates.unwanted(rows), strict=True):
        if not drop:
            kept.append(row)
        elif hasattr(row, "occurred_at"):
            logger.info("buffered event dropped: its customer asked us to forget it")
        else:
            row.user_id, row.session_key = None, ""
            kept.append(row)
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
            batch = not_forgotten(existing(batch))
            # A savepoint: a batch the database refuses never breaks a transaction around it.
            with transaction.atomic():
                model._default_manager.bulk_create(batch, batch_size=500)
        except Exception:
            # One bad row must not cost the batch's others: they are written one by one.
            written += _write_one_by_one(model, batch)
            continue
        written += len(batch)
    return written


def _write_one_by_one(model, batch) -> int:
    written = 0
    for row in batch:
        try:
            with transaction.atomic():
                model._default_manager.bulk_create([row])
            written += 1
        except Exception:
            logger.exception("a buffered row could not be written", extra={"model": model.__name__})
    return written


def flush_if_due() -> int:
    if is_due():
        return flush()
    return 0


def _in_background() -> bool:
    return getattr(settings, "INTERACTIONS_FLUSH_IN_BACKGROUND", True)


_wake = threading.Event()
_idle = threading.Event()
_idle.set()
_release = threading.Event()
_writer = None
_writer_lock = threading.Lock()


def _write_forever() -> None:
    while True:
        _wake.wait()
        _wake.clear()
        try:
            close_old_connections()  # honours CONN_MAX_AGE and drops a broken connection
            flush()
            if _release.is_set():
                connection.close()
                _release.clear()
        except Exception:  # flush() logs its own failures; the thread must never die
            logger.exception("the interaction writer thread failed to flush")
        finally:
            if not _wake.is_set():
                _idle.set()


def flush_soon() -> None:
    """Have the process's writer thread (started on first use) write the buffer."""
    global _writer
    if _writer is None or not _writer.is_alive():
        with _writer_lock:
            if _writer is None or not _writer.is_alive():
                _writer = threading.Thread(
                    target=_write_forever, name="duken-interactions-writer", daemon=True
                )
                _writer.start()
    _idle.clear()
    _wake.set()


def release_connection(timeout: float = 10.0) -> bool:
    """Have the writer thread write what is due and close its database connection (before
    the database is dropped or moved); it opens a new one for its next batch."""
    if _writer is None or not _writer.is_alive():
        return True
    _release.set()
    _idle.clear()
    _wake.set()
    return wait_idle(timeout)


def wait_idle(timeout: float = 10.0) -> bool:
    """Wait until the writer thread finished what it was woken for (tests, shutdown)."""
    return _idle.wait(timeout)


def after_response() -> None:
    """Called when a response went out: write the batch if it is due."""
    if not is_due():
        return
    if _in_background():
        flush_soon()
    else:
        flush()


def _flush_at_exit() -> None:
    wait_idle(5.0)
    if not _events:
        return
    try:
        flush()
        connection.close()
    except Exception:  # the interpreter is going away; there is nobody left to tell but the log
        logger.exception("interaction events could not be written at exit")


atexit.register(_flush_at_exit)
