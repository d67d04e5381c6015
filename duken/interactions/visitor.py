"""The first-party visitor id: a random id in the signed ``dk_vid`` cookie, so a visitor's
events can be told apart (and joined to their account on login) without a session row."""

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
