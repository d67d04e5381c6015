"""The payment provider registry: ``DUKEN_PAYMENT_PROVIDERS`` lists the classes in use."""

from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

from .base import CallbackRejected, CallbackResult, PaymentProvider, PaymentStart

# When the setting is empty: the methods that need no gateway (never the sandbox).
DEFAULT_PROVIDERS = [
    "duken.payments.providers.offline.CashOnDeliveryProvider",
    "duken.payments.providers.offline.BankTransferProvider",
]

__all__ = [
    "CallbackRejected",
    "CallbackResult",
    "PaymentProvider",
    "PaymentStart",
    "UnknownProvider",
    "get_provider",
    "get_providers",
    "provider_for_slug",
]


class UnknownProvider(LookupError):
    pass


@lru_cache(maxsize=8)
def _load(paths: tuple[str, ...]) -> dict[str, PaymentProvider]:
    providers = {}
    for path in paths:
        provider = import_string(path)()
        if not isinstance(provider, PaymentProvider):
            raise TypeError(f"{path} is not a PaymentProvider")
        providers[provider.code] = provider
    return providers


def get_providers() -> dict[str, PaymentProvider]:
    """Code -> provider, in the order of the setting."""
    return _load(tuple(getattr(settings, "DUKEN_PAYMENT_PROVIDERS", None) or DEFAULT_PROVIDERS))


def get_provider(code: str) -> PaymentProvider:
    try:
        return get_providers()[code]
    except KeyError:
        raise UnknownProvider(code) from None


def provider_for_slug(slug: str) -> PaymentProvider:
    for provider in get_providers().values():
        if provider.slug == slug or provider.code == slug:
            return provider
    raise UnknownProvider(slug)
