"""Login throttling and lockout, and password reset throttling.

Failed logins are counted by django-axes in the database, which every process shares. Two
limits apply within one cool-off (``DUKEN_LOGIN_COOLOFF_MINUTES``, 15):

- ``DUKEN_LOGIN_FAILURES_PER_ACCOUNT`` (5) failures for one account from one address;
- ``DUKEN_LOGIN_FAILURES_PER_ADDRESS`` (20) failures from one address, whatever the accounts.

Reaching either locks that client out: every further attempt, with the right password too, is
refused with the 429 lockout page until one cool-off after the lockout began. The account alone
is never locked, so nobody elsewhere can lock a customer out by typing their address; and the
page is the same whether or not the address has an account. Each lockout is logged (one JSON
line) and listed for staff in the admin ("Access attempts"), where they can lift it.

Password reset requests count in the shared cache: ``DUKEN_RESETS_PER_EMAIL`` (5) e-mails per
address in the same window (more requests show the same page and send nothing), and
``DUKEN_RESETS_PER_ADDRESS`` (20) requests per client address (more are refused with 429).
"""

import hashlib
import logging

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_parameters, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.db.models import Sum
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from duken.core import counters
from duken.core.clients import client_ip

logger = logging.getLogger("duken.accounts")

ACCOUNT, ADDRESS = "account", "address"


def per_account() -> int:
    return settings.DUKEN_LOGIN_FAILURES_PER_ACCOUNT


def per_address() -> int:
    return settings.DUKEN_LOGIN_FAILURES_PER_ADDRESS


def cool_off_minutes() -> int:
    return int(get_cool_off().total_seconds() // 60)


def username_of(request, credentials=None) -> str | None:
    """The account a login attempt names, as the login compares it (case-insensitive)."""
    source = credentials if credentials else getattr(request, "POST", {})
    value = source.get("username") or source.get("email") or ""
    value = str(value).strip().lower()[:255]
    return value or None


class LockoutHandler(AxesDatabaseHandler):
    """Axes's database handler with a limit of its own for each lockout parameter.

    Axes compares one number with one limit (``AXES_FAILURE_LIMIT``, the per-account limit).
    ``get_failures`` gives it the failures of this account from this address, or the
    address's failures scaled to that limit, whichever is nearer to its own limit: scaled
    down by floor division, the address's count reaches the per-account limit exactly when it
    reaches the per-address one."""

    def get_failures(self, request, credentials=None) -> int:
        account, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        scaled = address * per_account() // max(per_address(), 1)
        request.duken_lockout = ACCOUNT if account >= per_account() else ADDRESS
        return max(account, scaled)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and getattr(request, "axes_failures_since_start", None) is not None:
            if request.axes_locked_out:
                self._start_cool_off(request, credentials)

    def _start_cool_off(self, request, credentials) -> None:
        """The lockout lasts one cool-off from now: the attempts that caused it are dated now,
        so they expire together (by the oldest of them the address's count would drop below
        the limit within minutes)."""
        (account_filter, address_filter) = get_client_parameters(
            username_of(request, credentials),
            request.axes_ip_address,
            request.axes_user_agent,
            request,
            credentials,
        )
        scope = address_filter if request.duken_lockout == ADDRESS else account_filter
        now = timezone.now()
        AccessAttempt.objects.filter(**scope, attempt_time__gte=now - get_cool_off()).update(
            attempt_time=now
        )
        user_model = _user_model()
        username = username_of(request, credentials)
        logger.warning(
            "login locked out",
            extra={
                "event": "login_lockout",
                "limit": request.duken_lockout,
                "account": username,
                "user": user_model.objects.filter(email__iexact=username or "")
                .values_list("pk", flat=True)
                .first(),
                "ip": request.axes_ip_address,
                "path": request.axes_path_info,
                "cool_off_minutes": cool_off_minutes(),
            },
        )

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful login only that account's failures from this address are
        forgotten; the address's failures on other accounts keep counting (else logging in to
        one's own account between tries would reset the limit on everybody else's)."""
        account_attempts = self.filter_user_attempts(request, credentials)[0]
        count, _ = account_attempts.delete()
        return count


def _user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


def lockout_response(request, original_response=None, credentials=None):
    """The 429 page of a locked-out client: the admin's look on the admin login, the shop's
    elsewhere. It says the same whether or not the address has an account."""
    context = {"minutes": cool_off_minutes()}
    if request.path.startswith(reverse("admin:index")):
        context.update(admin.site.each_context(request))
        return render(request, "admin/locked_out.html", context, status=429)
    return render(request, "customers/locked_out.html", context, status=429)


def lift(ip_addresses, *, by=None) -> int:
    """Lift the lockouts of these client addresses (both limits): their failed attempts are
    forgotten. Returns how many attempt records went."""
    addresses = sorted({ip for ip in ip_addresses if ip})
    count, _ = AccessAttempt.objects.filter(ip_address__in=addresses).delete()
    logger.warning(
        "login lockout lifted",
        extra={
            "event": "login_lockout_lifted",
            "ips": addresses,
            "by": getattr(by, "pk", None),
            "attempts": count,
        },
    )
    return count


class TooManyResets(Exception):
    """This client address asked for too many password resets."""


def count_reset(request, email: str) -> bool:
    """Count one password reset request; whether its e-mail may go. Raises ``TooManyResets``
    when the client address is over its limit (then the address is not counted)."""
    window = int(get_cool_off().total_seconds())
    client = client_ip(request) or "-"
    if counters.count(f"accounts:reset:ip:{client}", window) > settings.DUKEN_RESETS_PER_ADDRESS:
        raise TooManyResets
    digest = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]
    if counters.count(f"accounts:reset:email:{digest}", window) > settings.DUKEN_RESETS_PER_EMAIL:
        logger.info(
            "password reset e-mail held back",
            extra={"event": "password_reset_throttled", "ip": client},
        )
        return False
    return True
