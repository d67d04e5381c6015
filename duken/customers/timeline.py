"""The customer's timeline: one chronological view of everything the shop knows a customer did
or was told, built from sources that each app registers.

A source is a function ``source(user) -> Iterable[Entry]``; an app registers its sources (and
key figures) in its ``AppConfig.ready``. The back-office timeline page and everything else that
shows a customer's history read through ``entries_for`` and ``figures_for`` only.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Entry:
    kind: str  # the filter group: "order", "note", "event", "review", "question", "chat", ...
    occurred_at: datetime
    title: str
    body: str = ""
    url: str = ""
    subkind: str = ""  # finer detail within the group, e.g. the interaction kind


@dataclass(frozen=True)
class Source:
    kind: str
    label: str  # shown in the filter, translated lazily
    entries: Callable[..., Iterable[Entry]]


_sources: dict[str, Source] = {}
_figures: dict[str, tuple[str, Callable]] = {}


def register_source(kind: str, label, entries: Callable[..., Iterable[Entry]]) -> None:
    """Register (or replace) the source of one kind of timeline entries."""
    _sources[kind] = Source(kind, label, entries)


def register_figure(key: str, label, compute: Callable) -> None:
    """Register a key figure ``compute(user) -> value`` shown at the top of the timeline."""
    _figures[key] = (label, compute)


def sources() -> list[Source]:
    return list(_sources.values())


def figures() -> dict[str, tuple[str, Callable]]:
    return dict(_figures)
