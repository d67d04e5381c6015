"""Erasing a customer's account. The erasure itself belongs to privacy (an app above this one,
``privacy.erase``), which registers it here in its ``AppConfig.ready()``, so the admin's
"delete" of a customer anonymizes the account like the customer's own request does instead of
deleting rows the shop must keep (orders, payments)."""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_eraser: Callable | None = None


def register(eraser: Callable) -> None:
    """``eraser(user, *, by=None)`` anonymizes one account in one transaction."""
    global _eraser
    _eraser = eraser


def erase(user, *, by=None):
    if _eraser is None:
        raise ImproperlyConfigured("No eraser is registered (is duken.privacy installed?)")
    return _eraser(user, by=by)
