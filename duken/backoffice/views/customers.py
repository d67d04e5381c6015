"""Staff pages about customers: the search box and the customer's timeline with notes and tags.

Staff only: ``staff_member_required`` sends everyone else to the admin login, and each view
also checks a permission (``customers.view_user`` to look, the note and tag permissions to
write). The views only read the request, call ``customers`` services and render."""

import datetime as dt
import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duken.core import audit
from duken.core.permissions import staff_permission
from duken.customers import services
from duken.customers.figures import SPENT_HELP, order_stats_for
from duken.customers.models import CustomerNote, CustomerTag, User
from duken.customers.search import SearchError, search_customers
from duken.customers.timeline import figures_for, panels, sources, timeline_page
from duken.privacy import erase, export, rights

logger = logging.getLogger(__name__)

RESULTS_PER_PAGE = 25
ENTRIES_PER_PAGE = 50


def _admin_context(request, title):
    return {**admin.site.each_context(request), "title": title}


# Search ------------------------------------------------------------------------------------


@staff_permission("customers.view_user")
def customer_search(request):
    query = request.GET.get("q", "")
    status, error = 200, ""
    try:
        result = search_customers(query)
    except SearchError as exc:
        status, error = 400, exc.message
        result = None
    if query.strip():
        # Who looked for whom: a search of customers is a read of personal data.
        found = result.customer if result is not None else None
        audit.record(audit.CUSTOMER_SEARCH, obj=found, request=request, summary=query.strip())
    if result is not None and result.customer is not None:
        messages.info(
            request,
            _("Order %(number)s was placed by this customer.") % {"number": result.order.number},
        )
        return redirect("backoffice:customer_timeline", pk=result.customer.pk)
    if result is not None and result.order is not None:
        messages.info(
            request,
            _("Order %(number)s was placed without an account, by %(email)s.")
            % {"number": result.order.number, "email": result.order.email},
        )
    page = None
    rows = []
    if result is not None:
        customers = result.customers.prefetch_related("tags")
        page = Paginator(customers, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        stats = order_stats_for(customer.pk for customer in page)
        rows = [(customer, stats[customer.pk]) for customer in page]
    context = {
        **_admin_context(request, _("Customers")),
        "query": " ".join(query.split())[:200],
        "error": error,
        "page": page,
        "rows": rows,
        "spent_help": SPENT_HELP,
    }
    return render(request, "backoffice/customer_search.html", context, status=status)


# Timeline ------------------------------------------------------------------------------------


def _filters(request):
    """The kinds asked for (None for all) and the cursor; a bad value is dropped with a message
    that says so, never an error page."""
    known = {source.kind for source in sources()}
    asked = [kind for kind in request.GET.getlist("kind") if kind]
    kinds = {kind for kind in asked if kind in known}
    notices = []
    if len(kinds) < len(set(asked)):
        notices.append(_("Some of the kinds asked for do not exist; they are left out."))
    if asked and not kinds:
        kinds = None
    before = None
    raw = request.GET.get("before", "")
    if raw:
        try:
            before = parse_datetime(raw)
        except ValueError:
            before = None
        if before is None:
            notices.append(_("That page link is not valid; showing the newest entries."))
        elif timezone.is_naive(before):
            before = timezone.make_aware(before, dt.UTC)
    return (kinds or None), before, notices


def _query(kinds, before=None) -> str:
    params = QueryDict(mutable=True)
    if kinds:
        params.setlist("kind", sorted(kinds))
    if before is not None:
        params["before"] = before.isoformat()
    return params.urlencode()


def _panels(request, customer) -> list[str]:
    """The blocks other apps show beside the timeline; one that fails is left out (logged)."""
    rendered = []
    for panel in panels():
        try:
            extra = panel.context(customer, request) if panel.context else {}
            context = {**extra, "customer": customer}
            rendered.append(render_to_string(panel.template, context, request=request))
        except Exception:
            logger.exception("timeline panel failed", extra={"panel": panel.key})
    return rendered


def _render_timeline(request, customer, *, note_text="", note_error="", tag_error="", status=200):
    kinds, before, notices = _filters(request)
    for notice in notices:
        messages.warning(request, notice)
    page = timeline_page(customer, kinds, limit=ENTRIES_PER_PAGE, before=before)
    note_ids = [int(e.key.split(":")[1]) for e in page.entries if e.key.startswith("note:")]
    own_notes = set()
    if note_ids:
        own_notes = {
            f"note:{pk}"
            for pk in CustomerNote.objects.filter(
                pk__in=note_ids, author_id=request.user.pk
            ).values_list("pk", flat=True)
        }
    user = request.user
    may_export = user.has_perm(rights.EXPORT_PERMISSION)
    context = {
        **_admin_context(request, str(customer)),
        "customer": customer,
        "entries": page.entries,
        "figures": figures_for(customer),
        "failed_sources": page.failed,
        "sources": sources(),
        "kinds": kinds or set(),
        "is_older_page": before is not None,
        "newest_query": _query(kinds),
        "older_query": _query(kinds, page.next_before) if page.next_before else "",
        "own_note_keys": own_notes,
        "tags": services.tags_of(customer),
        "all_tags": list(CustomerTag.objects.values_list("name", flat=True)[:200]),
        "note_text": note_text,
        "note_error": note_error,
        "note_max_length": CustomerNote.MAX_LENGTH,
        "tag_error": tag_error,
        "tag_max_length": CustomerTag.MAX_LENGTH,
        "may_add_note": user.has_perm("customers.add_customernote"),
        "may_add_tag": user.has_perm("customers.add_customertagging"),
        "may_remove_tag": user.has_perm("customers.delete_customertagging"),
        "may_change_customer": user.has_perm("customers.change_user"),
        "may_export": may_export,
        "may_erase": user.has_perm(rights.ERASE_PERMISSION) and customer.pk != user.pk,
        "staff_export": export.current(customer, by_staff=True) if may_export else None,
        "is_erased": erase.is_erased(customer),
        "panels": _panels(request, customer),
    }
    return render(request, "backoffice/customer_timeline.html", context, status=status)


@staff_permission("customers.view_user")
def customer_timeline(request, pk):
    customer = get_object_or_404(User, pk=pk)
    audit.record(audit.CUSTOMER_VIEW, obj=customer, request=request)
    return _render_timeline(request, customer)


def _back_to_timeline(customer):
    return redirect(reverse("backoffice:customer_timeline", args=[customer.pk]))


@require_POST
@staff_permission("customers.add_customernote")
def customer_note_add(request, pk):
    customer = get_object_or_404(User, pk=pk)
    text = request.POST.get("text", "")
    try:
        services.add_note(customer, author=request.user, text=text)
    except ValidationError as exc:
        return _render_timeline(
            request, customer, note_text=text, note_error=" ".join(exc.messages), status=400
        )
    messages.success(request, _("The note has been added."))
    return _back_to_timeline(customer)


@require_POST
@staff_permission("customers.view_user")
def customer_note_delete(request, pk, note_pk):
    customer = get_object_or_404(User, pk=pk)
    note = get_object_or_404(CustomerNote, pk=note_pk, customer=customer)
    services.delete_note(note, by=request.user)  # PermissionDenied (403) for others' notes
    messages.success(request, _("The note has been deleted."))
    return _back_to_timeline(customer)


@require_POST
@staff_permission("customers.view_user")
def customer_tags(request, pk):
    """``action=add`` or ``action=remove`` with the tag's ``name``."""
    customer = get_object_or_404(User, pk=pk)
    action, name = request.POST.get("action", "add"), request.POST.get("name", "")
    if action == "remove":
        if not request.user.has_perm("customers.delete_customertagging"):
            raise PermissionDenied
        if services.remove_tag(customer, name):
            messages.success(request, _("The tag has been removed."))
        return _back_to_timeline(customer)
    if action != "add":
        return _render_timeline(
            request, customer, tag_error=_("Choose to add or remove a tag."), status=400
        )
    if not request.user.has_perm("customers.add_customertagging"):
        raise PermissionDenied
    try:
        tag = services.add_tag(customer, name, by=request.user)
    except ValidationError as exc:
        return _render_timeline(request, customer, tag_error=" ".join(exc.messages), status=400)
    messages.success(request, _("Tagged “%(name)s”.") % {"name": tag.name})
    return _back_to_timeline(customer)
