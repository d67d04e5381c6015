"""The customer's timeline: one chronological view of everything the shop knows a customer did
or was told, built from sources that each app registers.

A source is a function ``source(user, *, limit=None, before=None, **kwargs) -> Iterable[Entry]``
that yields the customer's entries newest first: at most ``limit`` of them, and only those that
happened strictly before ``before`` (a timezone-aware datetime) when it is given, so that a
customer with 100,000 events costs the same as one with ten. An app registers its sources (and
key figures) in its ``AppConfig.ready``. The back-office timeline page and everything else that
shows a customer's history read through ``entries_for`` / ``timeline_page`` and ``figures_for``
only.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice

from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class Entry:
    kind: str  # the filter group: "order", "note", "event", "review", "question", "chat", ...
    occurred_at: dt.datetime
    title: str
    body: str = ""
    url: str = ""
    subkind: str = ""  # finer detail within the group, e.g. the interaction kind
    key: str = ""  # the stored row it shows, e.g. "note:12", for actions on the page
    badge: str = ""  # a short label for the entry; the source's label when empty

    @property
    def kind_label(self) -> str:
        if self.badge:
            return str(self.badge)
        source = _sources.get(self.kind)
        return str(source.label) if source is not None else self.kind


@dataclass(frozen=True)
class Source:
    kind: str
    label: str  # shown in the filter, translated lazily
    entries: Callable[..., Iterable[Entry]]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: object
    help_text: str = ""

    @property
    def display(self) -> str:
        """The value as staff read it: money in tenge, dates in the active language."""
        from duken.core.money import Money, format_money

        value = self.value
        if value is None or value == [] or value == ():
            return "—"
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, Money):
            return format_money(value.amount, value.currency)
        if isinstance(value, Decimal):
            return format_money(value)
        if isinstance(value, dt.datetime):
            return formats.date_format(timezone.localtime(value), "j E Y")
        if isinstance(value, dt.date):
            return formats.date_format(value, "j E Y")
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return str(value)


@dataclass
class TimelinePage:
    entries: list[Entry]
    # Pass as ``before`` to get the next (older) page; None when there is nothing older.
    next_before: dt.datetime | None = None
    # Labels of the sources that failed (logged); the page says their entries are missing.
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Panel:
    key: str
    template: str  # rendered with ``customer`` and what ``context(customer, request)`` returns
    context: Callable | None = None


_sources: dict[str, Source] = {}
_figures: dict[str, tuple[str, Callable, str]] = {}
_panels: dict[str, Panel] = {}


def register_source(kind: str, label, entries: Callable[..., Iterable[Entry]]) -> None:
    """Register (or replace) the source of one kind of timeline entries."""
    _sources[kind] = Source(kind, label, entries)


def register_figure(key: str, label, compute: Callable, *, help_text="") -> None:
    """Register a key figure ``compute(user) -> value`` shown at the top of the timeline."""
    _figures[key] = (label, compute, help_text)


def register_panel(key: str, template: str, context: Callable | None = None) -> None:
    """Register (or replace) a block shown beside the timeline on the staff page, e.g. what
    the customer would be recommended: ``template`` gets ``customer`` and the mapping
    ``context(customer, request)`` returns."""
    _panels[key] = Panel(key, template, context)


def panels() -> list[Panel]:
    return list(_panels.values())


def sources() -> list[Source]:
    return list(_sources.values())


def figures() -> dict[str, tuple[str, Callable]]:
    return {key: (label, compute) for key, (label, compute, _help) in _figures.items()}


def _clamp(limit) -> int:
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        return DEFAULT_LIMIT
    return max(1, min(limit, MAX_LIMIT))


def _guard():
    """On PostgreSQL a failed query inside a transaction aborts it: a savepoint keeps one
    failing source from breaking the rest of the page."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        return transaction.atomic()
    return nullcontext()


def timeline_page(
    user, kinds: set[str] | None = None, limit: int = DEFAULT_LIMIT, before=None
) -> TimelinePage:
    """The customer's newest ``limit`` entries (older than ``before``) across the sources of
    ``kinds`` (all when None), newest first, and the cursor of the next page.

    Each source is asked for ``limit + 1`` entries, so the merged page is exact and we know
    whether more exist. Entries that share the page's oldest timestamp with the first entry left
    out move to the next page together, so a cursor never skips an entry (unless more than
    ``limit`` entries share one timestamp, which only a bulk import produces)."""
    if user is None or getattr(user, "pk", None) is None:
        return TimelinePage([])
    limit = _clamp(limit)
    if before is not None and timezone.is_naive(before):
        before = timezone.make_aware(before, dt.UTC)
    merged: list[Entry] = []
    failed = []
    for source in sources():
        if kinds is not None and source.kind not in kinds:
            continue
        try:
            with _guard():
                found = source.entries(user, limit=limit + 1, before=before)
                older = (e for e in found if before is None or e.occurred_at < before)
                merged += islice(older, limit + 1)
        except Exception:
            logger.exception("timeline source failed", extra={"source": source.kind})
            failed.append(str(source.label))
    merged.sort(key=lambda entry: entry.occurred_at, reverse=True)
    if len(merged) <= limit:
        return TimelinePage(merged, None, failed)
    page = merged[:limit]
    boundary = page[-1].occurred_at
    if merged[limit].occurred_at == boundary:
        trimmed = [entry for entry in page if entry.occurred_at != boundary]
        if trimmed:
            page = trimmed
    return TimelinePage(page, page[-1].occurred_at, failed)


def entries_for(
    user, kinds: set[str] | None = None, limit: int = DEFAULT_LIMIT, before=None
) -> list[Entry]:
    """The customer's entries, newest first; see ``timeline_page`` for the paging rules."""
    return timeline_page(user, kinds, limit=limit, before=before).entries


def figures_for(user) -> dict[str, Figure]:
    """Every registered key figure of the customer, in registration order. A figure that fails
    is logged and shown as unknown rather than breaking the page."""
    result = {}
    for key, (label, compute, help_text) in _figures.items():
        try:
            with _guard():
                value = compute(user)
        except Exception:
            logger.exception("timeline figure failed", extra={"figure": key})
            value = None
        result[key] = Figure(key, str(label), value, str(help_text) if help_text else "")
    return result
