"""Where a form sends the visitor afterwards: back to the page they name in ``next``, when that
is a page of this shop."""

from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str, *, or_referer: bool = False) -> str:
    """The local path in the request's ``next`` field (the form's, then the query's), else with
    ``or_referer`` the page the visitor came from; ``default`` when that is missing or is not a
    path on this site. Another host, a scheme (``javascript:``), a URL name or a bare word
    (``-1``, ``abc``) never becomes a redirect target."""
    target = request.POST.get("next") or request.GET.get("next")
    if not target and or_referer:
        target = request.META.get("HTTP_REFERER")
    return local_path(request, target) or default


def local_path(request, url) -> str | None:
    """``url`` as a path on this site (its host, when given, dropped), or None."""
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(url)
    if not parts.path.startswith("/"):
        # A relative "x" would land on a page below the form's own URL; Django's redirect()
        # would even try it as a URL name first.
        return None
    return parts._replace(scheme="", netloc="").geturl()
