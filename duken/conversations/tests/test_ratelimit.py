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


COUNTING_PROCESS = """
import django, sys
django.setup()
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from duken.conversations import ratelimit

sys.stdin.readline()  # start together
accepted = 0
for _ in range(10):
    request = RequestFactory().post("/tell-us/", REMOTE_ADDR="203.0.113.7")
    request.user = AnonymousUser()
    try:
        ratelimit.check(request, "needs")
        accepted += 1
    except ratelimit.RateLimited:
        pass
print(accepted)
"""


def test_the_limit_holds_across_the_shops_processes(tmp_path):
    # given two server processes of one installation (the embedded default: no Redis), each
    # receiving ten posts from the same guest within a minute, with a limit of five
    import os
    import subprocess
    import sys

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DUKEN_", "REDIS_URL"))},
        "DJANGO_SETTINGS_MODULE": "duken.settings",
        "DUKEN_VAR_DIR": str(tmp_path),
        "DUKEN_POSTS_PER_MINUTE": "5",
        "DUKEN_REQUEST_LOG": "0",
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", COUNTING_PROCESS],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    # when both count at once
    outputs = [worker.communicate("go\n", timeout=120)[0] for worker in workers]
    # then five got through in all, not five per process
    assert sum(int(out.strip().splitlines()[-1]) for out in outputs) == 5


def test_behind_a_trusted_proxy_each_guest_has_their_own_count(settings):
    # given a shop behind a proxy on 10.0.0.9 that says whom it forwards for
    settings.DUKEN_POSTS_PER_MINUTE = 1
    settings.DUKEN_TRUSTED_PROXIES = ["10.0.0.0/24"]

    def via_proxy(client, forwarded_for=None):
        request = RequestFactory().post(
            "/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded_for or client
        )
        request.user = AnonymousUser()
        return request

    # when two guests post through it
    ratelimit.check(via_proxy("198.51.100.1"))
    ratelimit.check(via_proxy("198.51.100.2"))
    # then each is limited on their own address
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.check(via_proxy("198.51.100.1"))
    # and a guest cannot escape the limit by sending their own X-Forwarded-For
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.check(via_proxy("198.51.100.1", forwarded_for="1.2.3.4, 198.51.100.1"))


def test_a_forwarded_for_header_from_an_untrusted_client_is_ignored(settings):
    settings.DUKEN_POSTS_PER_MINUTE = 1
    settings.DUKEN_TRUSTED_PROXIES = ["10.0.0.0/24"]
    for spoofed in ("1.1.1.1", "2.2.2.2"):
        request = RequestFactory().post(
            "/", REMOTE_ADDR="198.51.100.5", HTTP_X_FORWARDED_FOR=spoofed
        )
        request.user = AnonymousUser()
        if spoofed == "1.1.1.1":
            ratelimit.check(request)
        else:
            with pytest.raises(ratelimit.RateLimited):
                ratelimit.check(request)
