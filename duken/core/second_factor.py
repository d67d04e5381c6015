"""Staff pass a second factor before any staff page opens.

A staff member's session counts as staff only once it has been verified with a second factor
(an authenticator app's code or a recovery code, django-otp): a staff member who has none yet
is sent to set one up, one who has one to enter a code. The admin (this middleware), the
back-office pages (``staff_permission``) and the support chat's staff side (HTTP and
WebSocket, through ``is_verified_staff``) all ask the same question, so a stolen staff password
alone opens none of them. The pages themselves live with the account pages; their URL names
are the settings ``DUKEN_SECOND_FACTOR_SETUP_URL`` and ``DUKEN_SECOND_FACTOR_VERIFY_URL``.
"""

import functools

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice


def is_verified(user) -> bool:
    """Whether the user's session passed a second factor. Users that no OTP middleware looked
    at (no ``is_verified``) count as not verified: the check fails closed."""
    check = getattr(user, "is_verified", None)
    return bool(callable(check) and check())


def is_verified_staff(user) -> bool:
    """An active staff member whose session passed the second factor."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and is_verified(user)
    )


def has_device(user) -> bool:
    """Whether the user has set up a second factor: a confirmed authenticator app (recovery
    codes come with it; alone they are what is left after an admin removed the app)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def attach_verification(user, session) -> None:
    """Give a user read from a session outside Django's middleware (the chat's WebSocket)
    the same ``otp_device`` and ``is_verified()`` that ``OTPMiddleware`` gives a request's."""
    if user is None:
        return
    device = None
    if getattr(user, "is_authenticated", False) and session is not None:
        persistent_id = session.get(DEVICE_ID_SESSION_KEY)
        device = Device.from_persistent_id(persistent_id) if persistent_id else None
        if device is not None and (device.user_id != user.pk or not device.confirmed):
            device = None
    user.otp_device = device
    user.is_verified = functools.partial(lambda u: u.otp_device is not None, user)


def redirect_for(request):
    """Where a staff member whose session has not passed the second factor must go first
    (set one up, or enter a code), with the page asked for as ``next``; None when they may go
    on (not staff, or verified)."""
    user = request.user
    if not getattr(user, "is_authenticated", False) or not user.is_staff or is_verified(user):
        return None
    name = (
        settings.DUKEN_SECOND_FACTOR_VERIFY_URL
        if has_device(user)
        else settings.DUKEN_SECOND_FACTOR_SETUP_URL
    )
    return HttpResponseRedirect(
        resolve_url(name) + "?" + urlencode({"next": request.get_full_path()})
    )


class StaffSecondFactorMiddleware:
    """Every admin page (but its login and logout) needs a verified staff session; the
    back-office pages check the same in ``staff_permission``."""

    OPEN = {"login", "logout"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or "admin" not in match.app_names or match.url_name in self.OPEN:
            return None
        return redirect_for(request)
