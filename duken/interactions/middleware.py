"""Gives every visitor a first-party id (the signed ``dk_vid`` cookie). No query on a plain page
view; buffered events are written after the response went out (see ``signals``)."""

import logging

from django.conf import settings

from . import buffer
from .visitor import (
    COOKIE_MAX_AGE,
    COOKIE_NAME,
    NEW_ATTR,
    REQUEST_ATTR,
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
        if getattr(request, NEW_ATTR, False):
            response.set_cookie(
                COOKIE_NAME,
                sign(getattr(request, REQUEST_ATTR)),
                max_age=COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=getattr(settings, "SESSION_COOKIE_SECURE", False),
            )
        return response
