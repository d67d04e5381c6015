"""What customers are asking for (one ranked list across zero-result searches, product
requests, back-in-stock requests and wishlists, over a date range), the report of searches that
found nothing, and turning a customer's message into a fact in one click. Staff only."""

import datetime as dt

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duken.core.permissions import staff_permission
from duken.core.redirects import safe_next
from duken.customers import facts
from duken.customers.models import CustomerFact
from duken.needs import report as needs_report
from duken.needs.apps import FACT_PERMISSION

PER_PAGE = 100
# Anyone on the staff who sees the catalog may see what customers ask of it.
REPORT_PERMISSION = "catalog.view_product"


def _context(request, title, **extra):
    return {**admin.site.each_context(request), "title": title, **extra}


def _date_range(request):
    """The range from ``from``/``to`` (YYYY-MM-DD); a bad or reversed one is replaced by the
    default with a warning."""
    start, end = needs_report.default_range()
    raw_from, raw_to = request.GET.get("from", ""), request.GET.get("to", "")
    try:
        if raw_from:
            start = dt.date.fromisoformat(raw_from)
        if raw_to:
            end = dt.date.fromisoformat(raw_to)
    except ValueError:
        messages.warning(request, _("Dates are written as YYYY-MM-DD; showing the last 30 days."))
        return needs_report.default_range()
    if start > end:
        messages.warning(request, _("The start is after the end; showing the last 30 days."))
        return needs_report.default_range()
    return start, end


@staff_permission(REPORT_PERMISSION)
def report(request):
    start, end = _date_range(request)
    kind = request.GET.get("kind", "")
    if kind and kind not in needs_report.KINDS:
        messages.warning(request, _("There is no such kind; showing every kind."))
        kind = ""
    page = Paginator(needs_report.ranked(start, end, kind), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "backoffice/needs.html",
        _context(
            request,
            _("What customers are asking for"),
            page=page,
            start=start,
            end=end,
            kind=kind,
            kinds=list(needs_report.KINDS.items()),
        ),
    )


@staff_permission(REPORT_PERMISSION)
def searches(request):
    start, end = _date_range(request)
    page = Paginator(needs_report.zero_result_searches(start, end), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "backoffice/needs_searches.html",
        _context(request, _("Searches that found nothing"), page=page, start=start, end=end),
    )


@require_POST
@staff_permission(FACT_PERMISSION)
def fact_from_message(request):
    """One click: keep a customer's question, review or chat message as a fact about them."""
    kind = request.POST.get("source", "")
    try:
        fact = facts.fact_from_message(
            kind, request.POST.get("id", ""), by=request.user, text=request.POST.get("text", "")
        )
    except facts.MessageNotFound as error:
        raise Http404(_("There is no such customer message.")) from error
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(safe_next(request, reverse("backoffice:inbox")))
    messages.success(
        request, _("Kept as what the customer told us: %(text)s") % {"text": fact.text}
    )
    return redirect(
        safe_next(request, reverse("backoffice:customer_timeline", args=[fact.customer_id]))
    )


@require_POST
@staff_permission(FACT_PERMISSION)
def fact_add(request, customer_pk):
    if customer_pk >= 2**63:
        raise Http404
    customer = get_object_or_404(get_user_model(), pk=customer_pk)
    try:
        facts.add_fact(
            customer,
            request.POST.get("text", ""),
            source_kind=CustomerFact.Source.STAFF,
            created_by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Kept as what the customer told us."))
    return redirect(safe_next(request, reverse("backoffice:customer_timeline", args=[customer.pk])))
