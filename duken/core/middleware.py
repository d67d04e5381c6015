import logging
import os
import time

from . import memo
from .clients import client_ip

logger = logging.getLogger("duken.request")


class RequestLogMiddleware:
    """One structured log line per request: method, path, status, duration, user, pid."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = os.environ.get("DUKEN_REQUEST_LOG", "1") != "0"

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        if self.enabled:
            user = getattr(request, "user", None)
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - start) * 1000, 2),
                    "user": user.pk if user is not None and user.is_authenticated else None,
                    "ip": client_ip(request),
                    "pid": os.getpid(),
                },
            )
        return response


class RequestMemoMiddleware:
    """Scope of ``duken.core.memo``: values read once per request, and the request itself for
    the services that record who asked (``memo.current_request``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = memo.start(request)
        try:
            return self.get_response(request)
        finally:
            memo.end(token)
