"""The audit log in the back office: who read or changed what, newest first, filtered by
person, object, action and dates; the state of the hash chain at the top. Reading only: there
is no way to change an entry here or anywhere (see ``duken.core.audit``)."""

import datetime as dt

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from duken.core import audit
from duken.core.audit import chain
from duken.core.models import AuditEntry
from duken.core.permissions import staff_permission

PER_PAGE = 50
PERMISSION = "core.view_auditentry"


def _day(raw: str, request):
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        messages.warning(
            request,
            _("“%(value)s” is not a date (YYYY-MM-DD); that filter is left out.")
            % {"value": raw[:40]},
        )
        return None


def _filters(request):
    """The filters asked for, each bad one dropped with a message that says so."""

    def get(name, length=200):
        # PostgreSQL refuses the NUL character in a query's text.
        return request.GET.get(name, "").replace("\x00", "").strip()[:length]

    chosen = {
        "person": get("person"),
        "action": get("action"),
        "type": get("type", 100),
        "object": get("object", 64),
        "from": _day(get("from"), request),
        "to": _day(get("to"), request),
    }
    if chosen["person"] and not chosen["person"].isdigit():
        messages.warning(request, _("There is no such person; showing everyone."))
        chosen["person"] = ""
    if chosen["action"] and chosen["action"] not in audit.ACTIONS:
        messages.warning(request, _("There is no such action; showing every action."))
        chosen["action"] = ""
    if chosen["from"] and chosen["to"] and chosen["from"] > chosen["to"]:
        messages.warning(request, _("The start is after the end; the dates are left out."))
        chosen["from"] = chosen["to"] = None
    return chosen


def _entries(chosen):
    entries = AuditEntry.objects.order_by("-id")
    if chosen["person"]:
        entries = entries.filter(actor_id=int(chosen["person"][:18]))
    if chosen["action"]:
        entries = entries.filter(action=chosen["action"])
    if chosen["type"]:
        entries = entries.filter(object_type=chosen["type"])
    if chosen["object"]:
        entries = entries.filter(object_id=chosen["object"])
    zone = timezone.get_current_timezone()
    if chosen["from"]:
        start = dt.datetime.combine(chosen["from"], dt.time.min, tzinfo=zone)
        entries = entries.filter(created_at__gte=start)
    if chosen["to"]:
        end = dt.datetime.combine(chosen["to"] + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        entries = entries.filter(created_at__lt=end)
    return entries


def _rows(page):
    return [
        {
            "entry": entry,
            "action": audit.action_label(entry.action),
            "changes": [
                (name, values[0], values[1])
                for name, values in sorted((entry.changes or {}).items())
                if isinstance(values, list) and len(values) == 2
            ],
        }
        for entry in page
    ]


@staff_permission(PERMISSION)
def audit_log(request):
    chosen = _filters(request)
    page = Paginator(_entries(chosen), PER_PAGE).get_page(request.GET.get("page"))
    people = get_user_model().objects.filter(is_staff=True).order_by("email")
    # The page checks the newest part of the chain each time (fast); the whole chain is
    # checked by `duken audit verify`, whose last outcome is shown beside it.
    recent = chain.verify(recent=chain.RECENT)
    context = {
        **admin.site.each_context(request),
        "title": _("Audit log"),
        "page": page,
        "rows": _rows(page),
        "chosen": chosen,
        "people": people,
        "actions": sorted(
            ((key, str(label)) for key, label in audit.ACTIONS.items()), key=lambda a: a[1]
        ),
        "recent": recent,
        "head": chain.head(),
        "pending": chain.pending(),
    }
    return render(request, "backoffice/audit_log.html", context)
