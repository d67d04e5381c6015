"""Data versions for caches: a number per key in the shared cache that changes whenever the
data behind it changes. Caches of derived things (fragments, lists, pages) put the version in
their own keys, so a change shows at the next request in every process, and old entries simply
expire.

``current(key)`` reads (and on first use creates) the version; ``bump(key)`` moves it on.
``per_request=True`` reads it once per request (``core.memo``) for versions a page asks for many
times."""

import time

from django.core.cache import cache

from .memo import forget, per_request


def _read(key: str) -> int:
    version = cache.get(key)
    if version is None:
        # Two processes may start a version at once: the first add wins, both read it.
        cache.add(key, time.time_ns(), None)
        version = cache.get(key)
        if version is None:  # a cache that keeps nothing (dummy, or down): no caching
            version = time.time_ns()
    return version


def current(key: str, *, once_per_request: bool = False) -> int:
    if once_per_request:
        return per_request(key, lambda: _read(key))
    return _read(key)


def bump(*keys: str) -> None:
    now = time.time_ns()
    cache.set_many(dict.fromkeys(keys, now), None)
    for key in keys:
        forget(key)
