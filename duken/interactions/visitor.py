"""The first-party visitor id: a random id in the signed ``dk_vid`` cookie, so a visitor's
events can be told apart (and joined to their account on login) without a session row.

The cookie is long-lived, so it is only given to a visitor who allowed a purpose that needs
to recognise them again (analytics or personalization); the privacy app says which through
``register_keep_check``. Everyone else gets a fresh id per request that is never stored in
their browser, and the cookie is taken back when those purposes are withdrawn."""

import logging
import uuid

from django.core import signing

logger = logging.getLogger(__name__)

COOKIE_NAME = "dk_vid"
COOKIE_MAX_AGE = 2 * 365 * 24 * 60 * 60  # two years
_SALT = "duken.interactions.visitor"
_signer = signing.Signer(salt=_SALT)

# Set on the request by the middleware: the valid id, and whether the response must (re)set it.
REQUEST_ATTR = "_dk_visitor_id"
NEW_ATTR = "_dk_visitor_id_is_new"
# Set when the visitor withdrew what the cookie was for: the response deletes it.
DROP_ATTR = "_dk_visitor_id_drop"

_keep_checks = []


def register_keep_check(check) -> None:
    """``check(request) -> bool``: whether this visitor allows keeping an id in their browser.
    A higher app (privacy) registers it, so this floor never imports it."""
    if check not in _keep_checks:
        _keep_checks.append(check)


def may_keep(request) -> bool:
    return any(check(request) for check in _keep_checks)


def drop(request) -> None:
    """Take the id out of the visitor's browser with this response."""
    setattr(request, DROP_ATTR, True)
    setattr(request, NEW_ATTR, False)


def new_visitor_id() -> str:
    return uuid.uuid4().hex


def sign(visitor_id: str) -> str:
    return _signer.sign(visitor_id)


def unsign(value: str | None) -> str | None:
    """The id held by a cookie value, or None when it is missing, malformed or forged."""
    if not value:
        return None
    try:
        visitor_id = _signer.unsign(value)
    except signing.BadSignature:
        return None
    if len(visitor_id) != 32 or not all(c in "0123456789abcdef" for c in visitor_id):
        return None
    return visitor_id


def read_cookie(request) -> tuple[str | None, bool]:
    """(the id, whether a cookie was sent but refused)."""
    raw = request.COOKIES.get(COOKIE_NAME)
    visitor_id = unsign(raw)
    return visitor_id, bool(raw) and visitor_id is None


def visitor_id(request) -> str | None:
    """The visitor's id: the one the middleware settled on for this request (a fresh id is set
    on the response when the cookie was missing or forged), else the cookie's if it is valid."""
    if request is None:
        return None
    settled = getattr(request, REQUEST_ATTR, None)
    if settled is not None:
        return settled
    return read_cookie(request)[0]


def renew(request) -> str:
    """Give the browser a fresh id from this response on (after logging out, so whoever uses the
    browser next is not joined to the account that just left)."""
    visitor = new_visitor_id()
    setattr(request, REQUEST_ATTR, visitor)
    setattr(request, NEW_ATTR, True)
    return visitor
