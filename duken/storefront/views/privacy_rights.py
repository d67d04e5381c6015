"""The customer's privacy rights: a copy of their data (``/account/privacy/export/``, the zip
the worker makes and the e-mailed link to it) and the deletion of their account
(``/account/privacy/delete/``). The pages only read the request and call
``privacy.rights`` / ``privacy.export``."""

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from duken.core.files import download_response
from duken.customers import twofactor
from duken.privacy import export, rights


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def privacy_export(request):
    user = request.user
    error = ""
    if request.method == "POST":
        try:
            rights.request_own_export(user, language=get_language() or "")
        except rights.RightsError as exc:
            error = exc.message
        else:
            return redirect("storefront:privacy_export")
    current = export.current(user)
    return render(
        request,
        "storefront/account/privacy_export.html",
        {
            "export": current,
            "download_url": export.download_url(current)
            if current is not None and current.status == current.Status.READY
            else "",
            "days": export._days(),
            "error": error,
            "account_section": "data",
        },
        status=400 if error else 200,
    )


@never_cache
@login_required
def privacy_export_download(request, token):
    try:
        found = export.export_for_link(request.user, token)
    except export.LinkExpired as exc:
        return _link_error(request, exc.message, 410)
    except export.LinkInvalid as exc:
        return _link_error(request, exc.message, 404)
    try:
        return download_response(found.file, filename=export.download_name(found))
    except FileNotFoundError:
        return _link_error(request, _("This download link has expired."), 410)


def _link_error(request, message, status):
    return render(
        request,
        "storefront/account/privacy_link_error.html",
        {"message": message, "account_section": "data"},
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def privacy_delete(request):
    user = request.user
    has_code = twofactor.has_second_factor(user)
    error = ""
    if request.method == "POST":
        try:
            rights.delete_own_account(
                user,
                password=request.POST.get("password", ""),
                code=request.POST.get("code", ""),
                confirmed=request.POST.get("confirm") == "yes",
            )
        except (rights.RightsError, twofactor.SecondFactorError) as exc:
            error = exc.message
        else:
            logout(request)
            return redirect("storefront:privacy_deleted")
    return render(
        request,
        "storefront/account/privacy_delete.html",
        {"has_code": has_code, "error": error, "account_section": "data"},
        status=400 if error else 200,
    )


def privacy_deleted(request):
    return render(request, "storefront/account/privacy_deleted.html")
