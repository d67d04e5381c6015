"""Gives every visitor a first-party id, kept in the signed ``dk_vid`` cookie only with the
visitor's consent (see ``visitor``). No query on a plain page view; buffered events are written
after the response went out (see ``signals``)."""

import logging

from django.conf import settings

from . import buffer
from .visitor import (
    COOKIE_MAX_AGE,
    COOKIE_NAME,
    DROP_ATTR,
    NEW_ATTR,
    REQUEST_ATTR,
    may_keep,
    new_visitor_id,
    read_cookie,
    sign,
)

logger = logging.getLogger(__name__)


class InteractionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        visitor, refused = read_cookie(request)
        if refused:
            logger.warning(
                "visitor cookie refused (malformed or forged); a new one is issued",
                extra={"path": request.path},
            )
        is_new = visitor is None
        if is_new:
            visitor = new_visitor_id()
        setattr(request, REQUEST_ATTR, visitor)
        setattr(request, NEW_ATTR, is_new)

        buffer.set_in_request(True)
        try:
            response = self.get_response(request)
        finally:
            buffer.set_in_request(False)

        # Logging out hands the browser a fresh id (see signals), so it is read again here.
        sent = COOKIE_NAME in request.COOKIES
        if getattr(request, DROP_ATTR, False):
            keep = False
        elif sent and not getattr(request, NEW_ATTR, False):
            # A returning visitor's id stays while they allow it; a logged-in customer's
            # withdrawal drops it where it happens (privacy.services.set_consents).
            keep = request.user.is_authenticated or may_keep(request)
        else:
            keep = may_keep(request)
        if not keep:
            if sent:
                response.delete_cookie(COOKIE_NAME, samesite="Lax")
        elif getattr(request, NEW_ATTR, False):
            response.set_cookie(
                COOKIE_NAME,
                sign(getattr(request, REQUEST_ATTR)),
                max_age=COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=getattr(settings, "SESSION_COOKIE_SECURE", False),
            )
        return response
