"""Staff pages for a customer's privacy rights, from the customer's timeline: a copy of the
customer's data (made by the worker, downloaded here, never e-mailed) and the erasure of the
account after a confirmation step. Each action is one call to ``privacy.rights``
(``staff_request_export``, ``staff_erase_customer``)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from duken.core.files import download_response
from duken.core.permissions import staff_permission
from duken.customers.models import User
from duken.privacy import erase, export, rights


def _timeline(customer):
    return redirect(reverse("backoffice:customer_timeline", args=[customer.pk]))


@require_POST
@staff_permission(rights.EXPORT_PERMISSION)
def customer_export(request, pk):
    customer = get_object_or_404(User, pk=pk)
    try:
        rights.staff_request_export(customer, by=request.user)
    except rights.RightsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The export is being prepared. Reload the timeline in a moment to download it."),
        )
    return _timeline(customer)


@never_cache
@staff_permission(rights.EXPORT_PERMISSION)
def customer_export_download(request, pk, export_pk):
    customer = get_object_or_404(User, pk=pk)
    try:
        found = export.staff_export(customer, export_pk)
    except export.LinkExpired as exc:
        messages.error(request, exc.message)
        return _timeline(customer)
    except export.LinkInvalid as exc:
        raise Http404(exc.message) from None
    try:
        return download_response(
            found.file, filename=f"customer-{customer.pk}-{export.download_name(found)}"
        )
    except FileNotFoundError:
        raise Http404(_("There is no such export.")) from None


@never_cache
@require_http_methods(["GET", "POST"])
@staff_permission(rights.ERASE_PERMISSION)
def customer_erase(request, pk):
    customer = get_object_or_404(User, pk=pk)
    # Staff accounts are a superuser's to delete (as in the admin): a role that may delete
    # customers does not reach its colleagues.
    if customer.is_staff and not request.user.is_superuser:
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = _("Tick the box to confirm the deletion.")
        else:
            try:
                done = rights.staff_erase_customer(customer, by=request.user)
            except rights.RightsError as exc:
                error = exc.message
            else:
                if done:
                    messages.success(request, _("The customer's account has been deleted."))
                else:
                    messages.info(request, _("This account was already deleted."))
                return _timeline(customer)
    context = {
        **admin.site.each_context(request),
        "title": _("Delete the customer's account"),
        "customer": customer,
        "already_erased": erase.is_erased(customer),
        "error": error,
    }
    return render(request, "backoffice/customer_erase.html", context, status=400 if error else 200)
