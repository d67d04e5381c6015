"""What Duken remembers about a customer: the one place that lists it, explains it, and forgets
any single item of it.

``remembered(user)`` gathers items from providers, each registered for one section with
``register_provider(section, items, prefix=..., forget=...)``. This module registers the
shop's own (profile facts, addresses, interests, recent activity, consents, subscriptions, see
``memory_sources``); other apps add theirs in their ``AppConfig.ready`` (the conversations app
"what you told us", the recommendations app "interests behind your recommendations").

``forget(user, key, remember_again=...)`` deletes what lies behind the item and, for anything
derived from history, stores a ``ForgottenItem`` so that what the shop must keep (orders) does
not bring it back. Whether Duken may remember the item again is the customer's choice: if not,
that wish is shown on their page (``Section.FORGOTTEN``) until they withdraw it
(``remember_again``), and honoured when rows are written (``privacy.forgotten``): nothing is
stored. Nothing stored is ever hidden from the page. Keys are resolved only among the
customer's own items: a key naming anyone else's data is simply not found.
"""

import hashlib
import logging
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.dispatch import Signal

from duken.core import versions

from .models import ForgottenItem

logger = logging.getLogger(__name__)


class Section:
    FACTS = "facts"
    INTERESTS = "interests"
    ACTIVITY = "activity"
    CONSENTS = "consents"
    SUBSCRIPTIONS = "subscriptions"
    FORGOTTEN = "forgotten"


SECTIONS = (
    Section.FACTS,
    Section.INTERESTS,
    Section.ACTIVITY,
    Section.CONSENTS,
    Section.SUBSCRIPTIONS,
    Section.FORGOTTEN,
)


class Again:
    """Whether an item of one kind may be remembered again once it was forgotten."""

    YES = "yes"  # forgetting covers what exists; anything new is remembered as usual
    ASK = "ask"  # the customer chooses when forgetting
    NO = "no"  # forgetting is itself a standing wish (stop using it for recommendations)


# When forgetting, the customer chooses whether we may remember the item again; unless they say
# we may, we do not. Someone who asks a shop to forget a search or a product rarely means "until
# I do it again": a wish that turns out too strict costs them only a less personal page, and they
# see it on the same page and can withdraw it there, while one that turns out too loose would
# store again what they wanted gone. Forgets made before the choice existed meant the same.
REMEMBER_AGAIN_BY_DEFAULT = False

# Sent after an item was forgotten (``user``, ``key``): whoever keeps something derived from
# the customer's history drops it here.
item_forgotten = Signal()
# Sent after the customer withdrew a wish not to be remembered again (``user``, ``key``).
wish_withdrawn = Signal()

# The keys of the items on the page that show what the customer asked us to forget.
WISH_PREFIX = Section.FORGOTTEN + ":"

_FORGOTTEN_ATTR = "_duken_forget_records"
_VERSION_KEY = "privacy:memory:{pk}"


@dataclass(frozen=True)
class Item:
    """One thing we remember. ``key`` is stable and names no other customer's data; ``reason``
    says in plain words where it comes from and what it is used for."""

    key: str
    section: str
    title: str
    reason: str
    value: str = ""
    url: str = ""  # where the thing itself lives (a product page)
    correct_url: str = ""  # a form to correct it
    forgettable: bool = False
    forget_label: str = ""  # the button's words when they are not "Forget"
    occurred_at: datetime | None = None
    withdrawable: bool = False  # a wish not to be remembered again, which the customer may undo

    @property
    def asks_remember_again(self) -> bool:
        """Whether forgetting it asks the customer if we may remember it again."""
        forgetter = _forgetter_for(self.key)
        return self.forgettable and forgetter is not None and forgetter.again == Again.ASK


@dataclass(frozen=True)
class Provider:
    section: str
    items: Callable[..., Iterable[Item]]  # items(user, forgotten: frozenset[str])


@dataclass(frozen=True)
class Forgetter:
    forget: Callable  # forget(user, key): deletes what lies behind the item
    suppress: bool  # whether forgetting is recorded (a ``ForgottenItem``), see ``forget``
    again: str = Again.YES  # whether it may be remembered again afterwards


@dataclass(frozen=True)
class ForgetRecord:
    key: str
    at: datetime  # forgotten up to this time
    may_remember_again: bool


@dataclass(frozen=True)
class Interest:
    """An interest derived from the customer's history, for the page and for personalization."""

    key: str
    kind: str  # "category", "product" or "search"
    label: str
    score: float
    object_id: int | None = None
    query: str = ""
    counts: dict = field(default_factory=dict, compare=False, hash=False)
    reason: str = ""


_providers: dict[str, Provider] = {}
_forgetters: dict[str, Forgetter] = {}


def register_provider(
    section: str,
    items: Callable[..., Iterable[Item]],
    *,
    name: str | None = None,
    prefix: str | None = None,
    forget: Callable | None = None,
    suppress: bool = False,
    again: str = Again.YES,
) -> None:
    """Add (or replace, by ``name``) a provider of remembered items for ``section``:
    ``items(user, forgotten)`` yields them. With ``prefix`` and ``forget``, items whose keys
    start with ``prefix + ":"`` are forgotten by ``forget(user, key)``, which deletes what lies
    behind one; see ``register_forget`` for ``suppress`` and ``again``."""
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}")
    _providers[name or f"{items.__module__}.{items.__qualname__}"] = Provider(section, items)
    if forget is not None:
        register_forget(prefix, forget, suppress=suppress, again=again)


def register_forget(
    prefix: str, forget: Callable, *, suppress: bool = False, again: str = Again.YES
) -> None:
    """How the items whose keys start with ``prefix + ":"`` are forgotten. ``suppress`` records
    the forget, so that what the shop keeps (orders) derives nothing from before it and rows
    buffered before it are not written; ``again`` says whether the item may be remembered again
    (``Again``), which needs the record."""
    if not prefix or ":" in prefix:
        raise ValueError(f"bad prefix {prefix!r}")
    if again not in (Again.YES, Again.ASK, Again.NO) or (again != Again.YES and not suppress):
        raise ValueError(f"bad again {again!r} for {prefix!r}")
    _forgetters[prefix] = Forgetter(forget, suppress, again)


def _forgetter_for(key: str) -> Forgetter | None:
    return _forgetters.get(key.split(":", 1)[0])


# --- keys ------------------------------------------------------------------------------------


def category_key(category_id) -> str:
    return f"category:{int(category_id)}"


def product_key(product_id) -> str:
    return f"product:{int(product_id)}"


def normalized_search(query) -> str:
    from duken.catalog.search import normalize_query

    text = str(query or "")
    return normalize_query(text) or " ".join(text.casefold().split())


def search_key(query) -> str:
    """The key of a search: a digest of its normalized words, so the record that a search was
    forgotten does not keep the words themselves."""
    digest = hashlib.sha256(normalized_search(query).encode()).hexdigest()[:20]
    return f"search:{digest}"


# --- reading ---------------------------------------------------------------------------------


def forget_records(user) -> dict[str, ForgetRecord]:
    """What the customer asked us to forget, by key: one query, then kept on the user object
    for the rest of the request (``request.user`` lives as long as the request)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return {}
    cached = user.__dict__.get(_FORGOTTEN_ATTR)
    if cached is None:
        rows = ForgottenItem.objects.filter(user_id=user.pk).values_list(
            "key", "created_at", "may_remember_again"
        )
        cached = {key: ForgetRecord(key, at, again) for key, at, again in rows}
        user.__dict__[_FORGOTTEN_ATTR] = cached
    return cached


def forgotten_keys(user) -> frozenset[str]:
    """Every key the customer asked us to forget, whether or not we may remember it again."""
    return frozenset(forget_records(user))


def wished_keys(user) -> frozenset[str]:
    """The keys the customer asked us never to remember again."""
    return frozenset(k for k, r in forget_records(user).items() if not r.may_remember_again)


def is_forgotten(user, key: str) -> bool:
    return key in forgotten_keys(user)


def memory_version(user) -> int:
    """A number that changes whenever the customer forgets something: caches of anything
    derived from their history put it in their keys, so a forgotten item is never served."""
    if user is None or user.pk is None:
        return 0
    return versions.current(_VERSION_KEY.format(pk=user.pk))


_memo: ContextVar[dict | None] = ContextVar("duken_memory_memo", default=None)


def call_memo() -> dict | None:
    """A dict that lives for one ``remembered`` call: providers that read the same history
    share it there. None outside such a call."""
    return _memo.get()


def remembered(user) -> list[Item]:
    """Everything we remember about the customer, section by section. What was forgotten was
    deleted, and what a wish covers was never stored: nothing is left out here."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    token = _memo.set({})
    try:
        return _remembered(user)
    finally:
        _memo.reset(token)


def _remembered(user) -> list[Item]:
    forgotten = forgotten_keys(user)
    found = []
    for section in SECTIONS:
        for name, provider in _providers.items():
            if provider.section != section:
                continue
            try:
                with _savepoint():
                    items = list(provider.items(user, forgotten))
            except Exception:
                # one broken provider must not hide everything else from the customer
                logger.exception("remembered items could not be listed", extra={"provider": name})
                continue
            found += items
    return found


def _savepoint():
    # On PostgreSQL a failed query aborts the surrounding transaction; a savepoint contains it.
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        return transaction.atomic()
    return nullcontext()


def by_section(items: Iterable[Item]) -> dict[str, list[Item]]:
    grouped = {section: [] for section in SECTIONS}
    for item in items:
        grouped[item.section].append(item)
    return grouped


def find(user, key: str) -> Item | None:
    """The customer's own item with this key, or None."""
    if not isinstance(key, str) or not key or len(key) > 80:
        return None
    for item in remembered(user):
        if item.key == key:
            return item
    return None


def interests(user, *, for_personalization=False) -> list[Interest]:
    """The customer's interests, strongest first, from what is stored about them (never from
    orders that predate a forget). With ``for_personalization`` nothing at all unless they
    consented to personalization."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if for_personalization:
        from .services import may_personalize

        if not may_personalize(user):
            return []
    from .memory_history import derive_interests

    return derive_interests(user)


PROFILE_FIELDS = ("first_name", "last_name", "phone", "country", "language")


def correct_profile(user, **fields) -> list[str]:
    """Store the customer's corrected profile facts (already validated, see ``ProfileForm``);
    returns the names of the fields that changed."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields: {', '.join(sorted(unknown))}")
    changed = [name for name, value in fields.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, fields[name])
    if changed:
        user.save(update_fields=changed)
    return changed


from . import memory_forget  # noqa: E402

# forgetting and withdrawing a wish live in ``memory_forget``; callers use them from here
forget, remember_again = memory_forget.forget, memory_forget.remember_again

from . import memory_sources  # noqa: E402,F401  (registers the shop's own providers)
