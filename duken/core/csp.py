"""The Content-Security-Policy on every response (django-csp, configured in settings.py).

Two things the static policy cannot say, added per request here:

- a nonce on every page, so an inline ``<script>`` runs only with ``nonce="{{ request.csp_nonce }}"``
  (django-csp adds one only when a template asked for it; an inline script added later without
  it is then refused on every page, not only on those that happened to ask);
- sources that depend on the request, registered by the app that needs them from its
  ``AppConfig.ready()`` (the support chat's WebSocket, on another port than the page, so
  ``'self'`` does not cover it).
"""

from collections.abc import Callable, Iterable

from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase

SourcesFor = Callable[[HttpRequest], Iterable[str]]

_request_sources: list[tuple[str, SourcesFor]] = []


def add_request_sources(directive: str, sources_for: SourcesFor) -> None:
    """Add the sources ``sources_for(request)`` returns to ``directive`` on every response."""
    if (directive, sources_for) not in _request_sources:
        _request_sources.append((directive, sources_for))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if parts.nonce is None:
            parts.nonce = self._make_nonce(request)
        update = {key: list(value) for key, value in (parts.update or {}).items()}
        for directive, sources_for in _request_sources:
            update.setdefault(directive, []).extend(sources_for(request))
        parts.update = update
        return parts
