"""The per-minute post limit: per customer when signed in, per address for guests."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from duken.conversations import ratelimit


def _guest(ip):
    request = RequestFactory().post("/", REMOTE_ADDR=ip)
    request.user = AnonymousUser()
    return request


def test_guests_are_counted_per_address(settings):
    settings.DUKEN_POSTS_PER_MINUTE = 2
    for _ in range(2):
        ratelimit.check(_guest("10.0.0.1"))
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.check(_guest("10.0.0.1"))
    ratelimit.check(_guest("10.0.0.2"))  # another address has its own count


def test_scopes_are_counted_apart(settings):
    settings.DUKEN_POSTS_PER_MINUTE = 1
    ratelimit.check(_guest("10.0.0.3"), "post")
    ratelimit.check(_guest("10.0.0.3"), "vote")
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.check(_guest("10.0.0.3"), "post")


def test_the_count_starts_again_next_minute(settings, monkeypatch):
    settings.DUKEN_POSTS_PER_MINUTE = 1
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    ratelimit.check(_guest("10.0.0.4"))
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.check(_guest("10.0.0.4"))
    now[0] += 60
    ratelimit.check(_guest("10.0.0.4"))
