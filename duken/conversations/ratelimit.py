"""How many posts a customer (or, for guests, an address) may send per minute.

Counted in the cache every process of the shop shares (on local disk, or Redis) in fixed
one-minute windows, so a guest who lands on another worker process is still counted; guests are
told apart by their address as seen through the trusted proxies (``core.clients``)."""

import time

from django.conf import settings

from duken.core import counters
from duken.core.clients import client_ip


class RateLimited(Exception):
    pass


def limit_per_minute() -> int:
    return int(getattr(settings, "DUKEN_POSTS_PER_MINUTE", 5))


def _who(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u{user.pk}"
    return "ip" + (client_ip(request) or "-")


def check(request, scope: str = "post", limit: int | None = None) -> None:
    """Count one post; raise ``RateLimited`` when the sender is over the limit this minute
    (``limit``, or ``DUKEN_POSTS_PER_MINUTE``)."""
    window = int(time.time() // 60)
    count = counters.count(f"conversations:rl:{scope}:{_who(request)}:{window}", 120)
    if count > (limit if limit is not None else limit_per_minute()):
        raise RateLimited
