"""Consent: the one place that answers "may we use this visitor's data for this purpose?" and
the one place a choice is stored.

Logged-in customers: their latest ConsentRecord per purpose, read at most once per request
(cached on the request only, so a withdrawal made in another process counts at once).
Anonymous visitors: a signed cookie holding their choices, so a check costs no query; every
choice is also stored as records under the visitor id.
"""

import logging
import re
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import Max

from duken.core import audit

from .models import OPTIONAL_PURPOSES, WORDING_VERSION, ConsentRecord, Purpose, Source

logger = logging.getLogger(__name__)

COOKIE_NAME = "dk_consent"
COOKIE_SALT = "duken.privacy.consent"
COOKIE_MAX_AGE = 60 * 60 * 24 * 365  # a choice is asked again after a year
SESSION_KEY = "privacy_choice"  # the wording version a logged-in customer last chose under

# One letter per optional purpose in the cookie: "a1p0m0:v2026-11".
_LETTERS = {Purpose.ANALYTICS: "a", Purpose.PERSONALIZATION: "p", Purpose.MARKETING: "m"}
_COOKIE_RE = re.compile(r"^a([01])p([01])m([01]):v([0-9A-Za-z.-]{1,16})$")
_REQUEST_CACHE = "_duken_consents"
_COOKIE_CACHE = "_duken_consent_cookie"
_CHOSEN_CACHE = "_duken_consent_chosen"


def _no_consent() -> dict[str, bool]:
    return {Purpose.NECESSARY: True, **{p: False for p in OPTIONAL_PURPOSES}}


def _normalize(choices: dict) -> dict[str, bool]:
    result = _no_consent()
    for purpose, granted in choices.items():
        if purpose in _LETTERS:
            result[Purpose(purpose)] = bool(granted)
    return result


# --- the cookie ------------------------------------------------------------------------------


def cookie_value(choices: dict, version: str = WORDING_VERSION) -> str:
    choices = _normalize(choices)
    body = "".join(f"{_LETTERS[p]}{int(choices[p])}" for p in OPTIONAL_PURPOSES)
    return f"{body}:v{version}"


def read_cookie(request) -> tuple[dict[str, bool], str] | None:
    """The anonymous choices and their wording version, or None when there are none. A cookie
    with a bad signature or shape is ignored (and logged): the visitor is asked again. Read
    once per request."""
    if _COOKIE_CACHE not in request.__dict__:
        request.__dict__[_COOKIE_CACHE] = _parse_cookie(request.COOKIES.get(COOKIE_NAME))
    return request.__dict__[_COOKIE_CACHE]


def _parse_cookie(raw) -> tuple[dict[str, bool], str] | None:
    if not raw:
        return None
    try:
        value = signing.TimestampSigner(salt=COOKIE_SALT).unsign(raw, max_age=COOKIE_MAX_AGE)
    except signing.BadSignature:
        logger.warning("consent cookie ignored: bad signature")
        return None
    match = _COOKIE_RE.match(value)
    if match is None:
        logger.warning("consent cookie ignored: malformed value")
        return None
    a, p, m, version = match.groups()
    choices = _no_consent()
    choices.update(
        {
            Purpose.ANALYTICS: a == "1",
            Purpose.PERSONALIZATION: p == "1",
            Purpose.MARKETING: m == "1",
        }
    )
    return choices, version


def set_cookie(response, choices: dict) -> None:
    """Keeps the choices in the visitor's browser, so later checks need no query."""
    response.set_cookie(
        COOKIE_NAME,
        signing.TimestampSigner(salt=COOKIE_SALT).sign(cookie_value(choices)),
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


# --- reading -------------------------------------------------------------------------------


def _user_state(user) -> tuple[dict[str, bool] | None, bool]:
    """The latest choice per purpose for ``user`` (None if they never chose) and whether that
    choice was made under the current wording; one query."""
    latest = ConsentRecord.objects.filter(user=user).values("purpose").annotate(last=Max("pk"))
    rows = list(
        ConsentRecord.objects.filter(pk__in=latest.values("last")).values_list(
            "purpose", "granted", "wording_version"
        )
    )
    if not rows:
        return None, False
    consents = _normalize({purpose: granted for purpose, granted, _ in rows})
    return consents, any(version == WORDING_VERSION for _, _, version in rows)


def _user_consents(user) -> dict[str, bool] | None:
    return _user_state(user)[0]


def _request_consents(request) -> dict[str, bool] | None:
    if _REQUEST_CACHE in request.__dict__:
        return request.__dict__[_REQUEST_CACHE]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        consents, chosen = _user_state(user)
        request.__dict__[_CHOSEN_CACHE] = chosen
    else:
        parsed = read_cookie(request)
        consents = parsed[0] if parsed else None
    request.__dict__[_REQUEST_CACHE] = consents
    return consents


def current_consents(user_or_request) -> dict[str, bool]:
    """Every purpose with whether it is granted now; without any choice only necessary is."""
    if hasattr(user_or_request, "COOKIES"):
        consents = _request_consents(user_or_request)
    else:
        consents = _user_consents(user_or_request)
    return dict(consents) if consents else _no_consent()


def has_consent(request, purpose) -> bool:
    """THE check before data is used for ``purpose``. Strictly necessary is always allowed."""
    if purpose == Purpose.NECESSARY:
        return True
    consents = _request_consents(request)
    return bool(consents and consents.get(purpose, False))


def may_personalize(request_or_user) -> bool:
    """THE check before anything personal tailors a page, an e-mail or a recommendation: the
    visitor's personalization consent (for a request, read once per request; for a customer,
    their latest choice). Anonymous users and nobody at all: no."""
    if request_or_user is None:
        return False
    if hasattr(request_or_user, "COOKIES"):
        return has_consent(request_or_user, Purpose.PERSONALIZATION)
    if not getattr(request_or_user, "is_authenticated", False):
        return False
    return current_consents(request_or_user)[Purpose.PERSONALIZATION]


def has_analytics_consent(request) -> bool:
    return has_consent(request, Purpose.ANALYTICS)


def may_keep_visitor_id(request) -> bool:
    """Whether the visitor allowed a purpose that needs to recognise them on a later visit;
    only then does their browser keep Duken's visitor id."""
    return has_consent(request, Purpose.ANALYTICS) or has_consent(request, Purpose.PERSONALIZATION)


def has_chosen(request) -> bool:
    """Whether the visitor made a choice under the current wording (the banner hides then).
    Anonymous: the cookie, no query. Logged in: a session marker, else the same lookup
    ``has_consent`` makes (so a page costs one consent query at most)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) == WORDING_VERSION:
            return True
        _request_consents(request)  # the same lookup has_consent makes, once per request
        chosen = request.__dict__.get(_CHOSEN_CACHE, False)
        if chosen and session is not None:
            session[SESSION_KEY] = WORDING_VERSION
        return chosen
    parsed = read_cookie(request)
    return parsed is not None and parsed[1] == WORDING_VERSION


def history(user):
    """The customer's grants and withdrawals, newest first."""
    return ConsentRecord.objects.filter(user=user).order_by("-created_at", "-id")


# --- changing --------------------------------------------------------------------------------


def _visitor_id(request) -> str:
    from duken.interactions.visitor import visitor_id

    return visitor_id(request) or ""


def _store(user, visitor: str, choices: dict[str, bool], source: str, version: str, before=None):
    records = [
        ConsentRecord(
            user=user,
            visitor_id=visitor,
            purpose=purpose,
            granted=granted,
            wording_version=version,
            source=source,
        )
        for purpose, granted in choices.items()
    ]
    with transaction.atomic():
        ConsentRecord.objects.bulk_create(records)
        if user is not None and Purpose.MARKETING in choices:
            _sync_marketing(user, choices[Purpose.MARKETING])
        if user is not None:
            # A customer's consent is in the audit log (an anonymous visitor's stays in their
            # consent records only): by whom (the customer, or nobody for a link or a task).
            audit.record(
                audit.CONSENT_CHANGE,
                obj=user,
                summary=f"{source}, wording {version}",
                changes={
                    str(purpose): ((before or {}).get(purpose), granted)
                    for purpose, granted in choices.items()
                },
            )


def _sync_marketing(user, granted: bool) -> None:
    # User.accepts_marketing is what the e-mail side reads; it follows the consent.
    if user.accepts_marketing != granted:
        get_user_model().objects.filter(pk=user.pk).update(accepts_marketing=granted)
        user.accepts_marketing = granted


def set_consents(request, choices: dict, *, source: str) -> dict[str, bool]:
    """Stores the given purposes' choices (others keep their state) and returns the new state.
    Only changes and first choices become records; the view writes the cookie
    (``set_cookie``) so anonymous checks stay query-free."""
    source = Source(source)
    user = request.user if request.user.is_authenticated else None
    before = _request_consents(request)
    wanted = {Purpose(p): bool(g) for p, g in choices.items() if p in _LETTERS}
    chosen_before = has_chosen(request)
    changed = {
        p: g for p, g in wanted.items() if before is None or before.get(p) != g or not chosen_before
    }
    if changed:
        _store(user, _visitor_id(request), changed, source, WORDING_VERSION, before=before)
    after = _normalize({**(before or {}), **wanted})
    request.__dict__[_REQUEST_CACHE] = after
    request.__dict__[_CHOSEN_CACHE] = True
    if user is None:
        # the cookie the view is about to write is what this request now holds
        request.__dict__[_COOKIE_CACHE] = (dict(after), WORDING_VERSION)
    if user is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = WORDING_VERSION
    if not may_keep_visitor_id(request):
        from duken.interactions.visitor import drop

        drop(request)
    return dict(after)


def grant(request, purposes: Iterable[str], *, source: str) -> dict[str, bool]:
    return set_consents(request, {p: True for p in purposes}, source=source)


def withdraw(request, purposes: Iterable[str], *, source: str) -> dict[str, bool]:
    return set_consents(request, {p: False for p in purposes}, source=source)


def withdraw_for_user(user, purposes: Iterable[str], *, source: str = Source.ACCOUNT_PAGE) -> None:
    """Withdraw purposes for a customer outside of a consent form (unsubscribing from the
    account's memory page); only purposes granted now become records."""
    current = _user_consents(user) or _no_consent()
    changed = {Purpose(p): False for p in purposes if p in _LETTERS and current.get(Purpose(p))}
    if Purpose.MARKETING in {Purpose(p) for p in purposes if p in _LETTERS}:
        # the e-mail side reads the flag: it goes off even without a stored grant
        changed.setdefault(Purpose.MARKETING, False)
    if changed:
        _store(user, "", changed, Source(source), WORDING_VERSION, before=_user_consents(user))


def carry_over_on_login(request, user) -> bool:
    """The choices a visitor made before logging in become the customer's, unless the customer
    already chose themselves. Returns whether anything was carried over."""
    # Whatever was read for the anonymous visitor earlier in this request no longer applies.
    request.__dict__.pop(_REQUEST_CACHE, None)
    request.__dict__.pop(_CHOSEN_CACHE, None)
    parsed = read_cookie(request)
    if parsed is None or ConsentRecord.objects.filter(user=user).exists():
        return False
    choices, version = parsed
    optional = {p: choices[p] for p in OPTIONAL_PURPOSES}
    _store(user, _visitor_id(request), optional, Source.LOGIN, version)
    if version == WORDING_VERSION:
        request.session[SESSION_KEY] = WORDING_VERSION
    request.__dict__[_REQUEST_CACHE] = _normalize(optional)
    request.__dict__[_CHOSEN_CACHE] = version == WORDING_VERSION
    return True
