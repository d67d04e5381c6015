"""The account's security page: two-step verification (an authenticator app and recovery
codes, ``customers.twofactor``), the code page that finishes a login, and "log out everywhere
else". Staff are sent here to set up or enter their second factor before a staff page opens."""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from duken.core import second_factor
from duken.core.redirects import safe_next
from duken.customers import services as customers
from duken.customers import twofactor


@never_cache
@login_required
def security(request):
    user = request.user
    return render(
        request,
        "storefront/account/security.html",
        {
            "has_second_factor": twofactor.has_second_factor(user),
            "recovery_codes_left": twofactor.recovery_codes_left(user),
            "account_section": "security",
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Scan the QR code, confirm with a code from the app, see the recovery codes once."""
    user = request.user
    next_url = safe_next(request, "")
    if twofactor.has_second_factor(user):
        return redirect(next_url or "storefront:security")
    error = ""
    if request.method == "POST":
        try:
            codes = twofactor.confirm_setup(user, request.POST.get("code", ""))
        except twofactor.SecondFactorError as exc:
            error = exc.message
        else:
            # The other sessions ended with the new session token; this one stays, verified.
            update_session_auth_hash(request, user)
            twofactor.verify_session(request, twofactor.app_device(user))
            return _show_recovery_codes(request, codes, next_url)
    device = twofactor.setup_device(user)
    return render(
        request,
        "storefront/account/two_factor_setup.html",
        {
            "qr": mark_safe(twofactor.qr_svg(device)),  # made here, from our own key
            "key": twofactor.key_text(device),
            "error": error,
            "next": next_url,
            "required": user.is_staff,
            "account_section": "security",
        },
        status=400 if error else 200,
    )


def _show_recovery_codes(request, codes, next_url):
    return render(
        request,
        "storefront/account/recovery_codes.html",
        {"codes": codes, "next": next_url, "account_section": "security"},
    )


@login_required
@require_POST
def two_factor_off(request):
    try:
        twofactor.turn_off(request.user, request.POST.get("code", ""))
    except twofactor.SecondFactorError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Two-step verification is off."))
    return redirect("storefront:security")


@never_cache
@login_required
@require_POST
def recovery_codes(request):
    try:
        codes = twofactor.new_recovery_codes(request.user, request.POST.get("code", ""))
    except twofactor.SecondFactorError as exc:
        messages.error(request, exc.message)
        return redirect("storefront:security")
    return _show_recovery_codes(request, codes, "")


@login_required
@require_POST
def log_out_everywhere(request):
    customers.log_out_everywhere(request.user)
    update_session_auth_hash(request, request.user)  # this browser stays logged in
    messages.success(request, _("You are logged out in every other browser and device."))
    return redirect("storefront:security")


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The code that finishes a login (after the password), or that lets a staff session
    that has not passed the second factor into the staff pages."""
    pending = twofactor.pending_user(request)
    user = pending or request.user
    fallback = reverse("storefront:account")
    next_url = safe_next(request, fallback)
    if pending is None and not _owes_code(request):
        if request.user.is_authenticated:
            return redirect(next_url)
        messages.info(request, _("Please log in again."))
        return redirect("storefront:login")
    credentials = {"username": user.email}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return get_lockout_response(request, None, credentials)
    error = ""
    if request.method == "POST":
        try:
            device = twofactor.verify(user, request.POST.get("code", ""))
        except twofactor.WrongCode as exc:
            # A wrong code counts like a wrong password towards the lockout.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            error = exc.message
        except twofactor.SecondFactorError as exc:
            error = exc.message
        else:
            if pending is not None:
                twofactor.finish_login(request, user, device)
            else:
                twofactor.verify_session(request, device)
            return redirect(next_url)
    return render(
        request,
        "storefront/account/two_factor_verify.html",
        {"error": error, "next": next_url},
        status=400 if error else 200,
    )


def _owes_code(request) -> bool:
    user = request.user
    return (
        user.is_authenticated
        and not second_factor.is_verified(user)
        and twofactor.has_second_factor(user)
    )
