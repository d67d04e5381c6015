"""Counters in the cache every process of the shop shares (on local disk, or Redis), for
limits that must hold whichever worker process a request lands on."""

from django.core.cache import cache


def count(key: str, seconds: int) -> int:
    """Count one event under ``key``; returns how many were counted since the first of them,
    for ``seconds`` after that first one (then the count starts again)."""
    if cache.add(key, 1, seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, seconds)
        return 1
