from . import services


def consent(request):
    """Whether the consent banner is shown: a cookie read for visitors, a session read for
    customers (one query per session at most); no query on a plain anonymous page view."""
    if getattr(request, "resolver_match", None) and request.resolver_match.namespace == "admin":
        return {}
    return {"show_consent_banner": not services.has_chosen(request)}
