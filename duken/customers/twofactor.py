"""The second factor: an authenticator app (TOTP, django-otp) and single-use recovery codes.

Staff must set one up before any staff page opens (``duken.core.second_factor``); customers
may. Setting up shows a QR code and the key, and is confirmed with a code from the app; then
ten recovery codes are shown once (only their hashes are kept, ``RecoveryCodes``) and the
user's other sessions end. For a user with a second factor the password alone logs nobody in:
the login remembers in the session who proved the password (``begin_login``, for
``PENDING_SECONDS``), and the code page finishes it (``finish_login``). A wrong code changes
nothing but django-otp's back-off on the device (and counts as a failed login for the
lockout, see the views); a recovery code works once.
"""

import secrets
import time
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth import login
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from duken.core import second_factor

from . import services
from .models import RecoveryCode, RecoveryCodes, User

TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# 31 letters and digits without the look-alikes (0/o, 1/l/i): 16 of them carry ~79 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PENDING_KEY = "duken_pending_login"
PENDING_SECONDS = 5 * 60


class SecondFactorError(Exception):
    """Refused, with a message for the user; nothing changed."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class WrongCode(SecondFactorError):
    """The code matched no device: counts as a failed login attempt."""


has_second_factor = second_factor.has_device


def app_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(device__user=user, device__confirmed=True).count()


# --- setting up -------------------------------------------------------------------------


def setup_device(user) -> TOTPDevice:
    """The authenticator key being set up: made once and kept until confirmed, so reloading
    the page shows the same QR code."""
    if has_second_factor(user):
        raise SecondFactorError(_("Two-step verification is already on."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    """The key as a QR code (inline SVG) for the authenticator app to scan."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


def key_text(device: TOTPDevice) -> str:
    """The key for typing into an app by hand, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def confirm_setup(user, code: str) -> list[str]:
    """Turn the second factor on with a code from the app: returns the new recovery codes (to
    show once). The user's other sessions end. Raises ``SecondFactorError`` on a wrong code."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        tried = device is None or _allowed(device)
        verified = tried and device is not None and device.verify_token(_digits(code))
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            codes = _replace_recovery_codes(user)
            services.log_out_everywhere(user)
    # Raised outside the transaction: the device's back-off after a wrong code is kept.
    if device is None:
        raise SecondFactorError(_("The set-up has expired. Please start it again."))
    if not verified:
        _refuse(tried)
    return codes


def set_up_for(user) -> tuple[TOTPDevice, list[str]]:
    """Give an account made from the command line (the demo's admin) a second factor at once,
    without a code: returns the authenticator key's device and the recovery codes, for the
    command to hand over."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=True)
        codes = _replace_recovery_codes(user)
    return device, codes


def new_recovery_codes(user, code: str) -> list[str]:
    """Replace the recovery codes (the old ones stop working), after a code proves it is
    the user."""
    verify(user, code)
    return _replace_recovery_codes(user)


def turn_off(user, code: str) -> None:
    """Remove the second factor, after a code proves it is the user. Staff must keep it."""
    if user.is_staff:
        raise SecondFactorError(_("Staff accounts must keep two-step verification."))
    verify(user, code)
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodes.objects.filter(user=user).delete()


def _replace_recovery_codes(user) -> list[str]:
    with transaction.atomic():
        RecoveryCodes.objects.filter(user=user).delete()
        device = RecoveryCodes.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
        codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
        RecoveryCode.objects.bulk_create(
            RecoveryCode(device=device, digest=RecoveryCodes.digest(code)) for code in codes
        )
    return codes


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


# --- verifying ----------------------------------------------------------------------------


def _digits(code) -> str:
    return "".join(str(code or "").split()).replace("-", "")


def _allowed(device) -> bool:
    allowed, _details = device.verify_is_allowed()
    return allowed


def _refuse(tried: bool):
    """Raise the error for a code that did not pass: held back by django-otp's back-off after
    wrong codes (not tried), or wrong."""
    if not tried:
        raise SecondFactorError(
            _("Too many wrong codes in a row. Please wait a moment and try again.")
        )
    raise WrongCode(
        _(
            "That code is not right. Enter the 6-digit code your authenticator app shows now, "
            "or one of your recovery codes."
        )
    )


def verify(user, code: str):
    """The device that accepts ``code`` (a 6-digit code from the app, or a recovery code,
    which is then used up). Raises ``WrongCode``, or ``SecondFactorError`` while django-otp
    holds the device back after wrong codes."""
    code = _digits(code)
    is_totp = code.isdigit() and len(code) in (6, 8)
    kind = TOTPDevice if is_totp else RecoveryCodes
    with transaction.atomic():
        device = next(
            (d for d in devices_for_user(user, for_verify=True) if isinstance(d, kind)), None
        )
        tried = device is None or _allowed(device)
        verified = tried and device is not None and device.verify_token(code)
    if not verified:
        _refuse(tried)
    return device


# --- logging in ---------------------------------------------------------------------------


def begin_login(request, user) -> bool:
    """Called once the password is right: for a user with a second factor nobody is logged
    in yet, the session only remembers who proved the password. Returns whether a code must
    follow."""
    if not has_second_factor(user):
        return False
    backend = getattr(user, "backend", None) or settings.AUTHENTICATION_BACKENDS[-1]
    request.session[PENDING_KEY] = {"user": user.pk, "backend": backend, "at": int(time.time())}
    return True


def second_step(request, user, next_url: str):
    """For the login views, once the password is right: a redirect to the code page when the
    user has a second factor (nobody is logged in yet), else None (log in as usual)."""
    if not begin_login(request, user):
        return None
    url = resolve_url(settings.DUKEN_SECOND_FACTOR_VERIFY_URL)
    return HttpResponseRedirect(f"{url}?{urlencode({'next': next_url})}")


def pending_user(request) -> User | None:
    """Who proved their password in this session and still owes a code (for a while)."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=pending.get("user"), is_active=True).first()


def finish_login(request, user, device) -> None:
    """Log in the user who proved the password and then a code (the session key changes)."""
    pending = request.session.pop(PENDING_KEY, None) or {}
    login(request, user, backend=pending.get("backend") or settings.AUTHENTICATION_BACKENDS[-1])
    otp_login(request, device)


def verify_session(request, device) -> None:
    """Mark a logged-in session as having passed the second factor (the session key
    changes)."""
    request.session.cycle_key()
    otp_login(request, device)
