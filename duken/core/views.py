from django.db import DatabaseError, connection
from django.http import JsonResponse

from duken import __version__


def security_txt(request):
    """``/.well-known/security.txt`` (RFC 9116): where to report a vulnerability."""
    from datetime import timedelta

    from django.conf import settings
    from django.http import HttpResponse
    from django.utils import timezone

    contact = settings.DUKEN_SECURITY_CONTACT
    if "@" in contact and not contact.startswith(("mailto:", "https:")):
        contact = f"mailto:{contact.split('<')[-1].strip('> ')}"
    expires = (timezone.now() + timedelta(days=365)).replace(microsecond=0)
    site = settings.SITE_URL.rstrip("/")
    body = (
        f"Contact: {contact}\n"
        f"Expires: {expires.isoformat()}\n"
        "Preferred-Languages: kk, ru, en\n"
        f"Canonical: {site}/.well-known/security.txt\n"
    )
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


def healthz(request):
    """For load balancers: 200 when the app and its database answer, 503 otherwise. The worker's
    state is reported beside it but never fails the check: a web server stays in rotation
    while the worker is down."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "take me out of rotation"
        return JsonResponse(
            {"status": "error", "database": "unreachable", "error": exc.__class__.__name__},
            status=503,
        )
    return JsonResponse(
        {"status": "ok", "database": "ok", "version": __version__, "worker": _worker()}
    )


def _worker() -> dict:
    from .workers import worker_health

    try:
        return worker_health()
    except DatabaseError:  # e.g. a new release whose migration has not run yet
        return {"status": "unknown", "last_seen": None, "age_seconds": None}
