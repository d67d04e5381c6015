"""The timeline's built-in sources: orders with their status changes, interaction events,
staff notes and the e-mails the shop sent. Each reads one page with one bounded query (plus one
per kind of object the events name), whatever the size of the customer's history."""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duken.catalog.models import Category, Product
from duken.core.money import format_money
from duken.interactions.models import Device, Event, Kind
from duken.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from duken.outbox.models import Message

from .models import CustomerNote
from .timeline import DEFAULT_LIMIT, Entry, register_source

LINE_NAMES_SHOWN = 3
# What an entry needs of the objects events name most often (title and link), not whole rows.
_ENTRY_FIELDS = {
    Product: ("name", "slug"),
    Category: ("name", "name_ru", "name_kk", "slug"),
}


def _page(queryset, time_field, *, limit, before):
    if before is not None:
        queryset = queryset.filter(**{f"{time_field}__lt": before})
    return list(queryset.order_by(f"-{time_field}", "-pk")[: limit or DEFAULT_LIMIT])


def _admin_url(name, pk) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _status(value) -> str:
    try:
        return str(OrderStatus(value).label)
    except ValueError:
        return value


# Orders ------------------------------------------------------------------------------------


def _line_summaries(order_ids) -> dict[int, str]:
    """ "2 × Pink Regency Teacup, Lunch Bag and 14 more" per order, from one query."""
    names, counts = defaultdict(list), defaultdict(int)
    lines = OrderLine.objects.filter(order_id__in=order_ids).values_list(
        "order_id", "product_name", "quantity"
    )
    for order_id, name, quantity in lines.order_by("order_id", "pk"):
        counts[order_id] += 1
        if len(names[order_id]) < LINE_NAMES_SHOWN:
            names[order_id].append(f"{quantity} × {name}" if quantity != 1 else name)
    summaries = {}
    for order_id, shown in names.items():
        text = ", ".join(shown)
        rest = counts[order_id] - len(shown)
        if rest:
            text = _("%(lines)s and %(count)d more") % {"lines": text, "count": rest}
        summaries[order_id] = text
    return summaries


def order_entries(user, *, limit=None, before=None, **kwargs):
    """Each order placed and each change of its status, with who made it."""
    events = _page(
        OrderEvent.objects.filter(
            order_id__in=Order.objects.filter(user_id=user.pk).values("pk")
        ).select_related("order", "actor"),
        "created_at",
        limit=limit,
        before=before,
    )
    placed = [e.order_id for e in events if not e.from_status]
    lines = _line_summaries(placed) if placed else {}
    for event in events:
        order = event.order
        number = {"number": order.number, "total": format_money(order.total, order.currency)}
        body = []
        if not event.from_status:
            title = _("Placed order %(number)s, %(total)s") % number
            if event.to_status != OrderStatus.AWAITING_PAYMENT:
                body.append(_("Status: %(status)s") % {"status": _status(event.to_status)})
            if order.id in lines:
                body.append(lines[order.id])
        elif event.from_status == event.to_status:
            title = _("Order %(number)s: note") % number
        else:
            title = _("Order %(number)s: %(from)s → %(to)s") % {
                **number,
                "from": _status(event.from_status),
                "to": _status(event.to_status),
            }
        if event.note:
            body.append(event.note)
        if event.actor_id:
            body.append(_("by %(name)s") % {"name": event.actor})
        yield Entry(
            kind="order",
            occurred_at=event.created_at,
            title=title,
            body=" · ".join(body),
            url=_admin_url("admin:orders_order_change", order.pk),
            subkind=event.to_status if event.from_status else "placed",
            key=f"order:{order.pk}",
        )


# Interaction events --------------------------------------------------------------------------


def _objects(events) -> dict[tuple[int, int], object]:
    """The objects the events name, one query per kind of object."""
    wanted = defaultdict(set)
    for event in events:
        if event.content_type_id and event.object_id:
            wanted[event.content_type_id].add(event.object_id)
    found = {}
    for content_type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            continue
        queryset = model._default_manager.all()
        if model in _ENTRY_FIELDS:
            queryset = queryset.only(*_ENTRY_FIELDS[model])
        for pk, obj in queryset.in_bulk(ids).items():
            found[content_type_id, pk] = obj
    return found


def _event_title(event, obj) -> str:
    props = event.properties or {}
    if obj is None:
        name = {"name": _("(no longer in the shop)")}
    else:
        name = {"name": obj.display_name if isinstance(obj, Category) else str(obj)}
    kind = event.kind
    if kind == Kind.PRODUCT_VIEW:
        return _("Viewed “%(name)s”") % name
    if kind == Kind.CATEGORY_VIEW:
        return _("Browsed the category “%(name)s”") % name
    if kind == Kind.SEARCH:
        query = {"query": str(props.get("query", "")), "count": props.get("results")}
        if query["count"] == 0:
            return _("Searched “%(query)s”: nothing found") % query
        if isinstance(query["count"], int):
            return _("Searched “%(query)s” (%(count)d results)") % query
        return _("Searched “%(query)s”") % query
    if kind == Kind.CART_ADD:
        return _("Added “%(name)s” to the cart") % name
    if kind == Kind.CART_REMOVE:
        return _("Removed “%(name)s” from the cart") % name
    if kind == Kind.CHECKOUT_STEP:
        return _("Opened the checkout")
    if kind == Kind.ORDER_PLACED:
        return _("Placed order %(name)s") % name
    if kind == Kind.WISHLIST_ADD:
        return _("Added “%(name)s” to the wishlist") % name
    if kind == Kind.BACK_IN_STOCK_REQUEST:
        return _("Asked to hear when “%(name)s” is back in stock") % name
    if kind == Kind.PRODUCT_REQUEST:
        return _("Told us what they could not find: “%(name)s”") % name
    if kind == Kind.BID:
        return _("Bid on “%(name)s”") % name
    label = str(Kind(kind).label) if kind in Kind.values else kind
    return f"{label}: {obj}" if obj is not None else label


def _event_body(event) -> str:
    props = event.properties or {}
    parts = []
    if event.kind == Kind.CART_ADD and isinstance(props.get("line_quantity"), int):
        parts.append(_("%(count)d in the cart") % {"count": props["line_quantity"]})
    if event.kind == Kind.PAGE_VIEW and props.get("path"):
        parts.append(str(props["path"]))
    if event.device in Device.values:
        parts.append(str(Device(event.device).label))
    if event.referrer_domain:
        parts.append(_("from %(site)s") % {"site": event.referrer_domain})
    if event.utm_campaign:
        parts.append(_("campaign %(name)s") % {"name": event.utm_campaign})
    return " · ".join(parts)


def _object_url(obj) -> str:
    if isinstance(obj, Order):
        return _admin_url("admin:orders_order_change", obj.pk)
    get_url = getattr(obj, "get_absolute_url", None)
    if get_url is None:
        return ""
    try:
        return get_url()
    except NoReverseMatch:
        return ""


def event_entries(user, *, limit=None, before=None, **kwargs):
    """What the customer did in the shop, from the interaction log (stored only with their
    analytics consent, apart from placed orders)."""
    events = _page(Event.objects.filter(user_id=user.pk), "occurred_at", limit=limit, before=before)
    objects = _objects(events)
    for event in events:
        obj = objects.get((event.content_type_id, event.object_id))
        yield Entry(
            kind="event",
            occurred_at=event.occurred_at,
            title=_event_title(event, obj),
            body=_event_body(event),
            url=_object_url(obj) if obj is not None else "",
            subkind=event.kind,
            key=f"event:{event.pk}",
            badge=str(Kind(event.kind).label) if event.kind in Kind.values else "",
        )


# Notes and e-mails -----------------------------------------------------------------------------


def note_entries(user, *, limit=None, before=None, **kwargs):
    notes = _page(
        CustomerNote.objects.filter(customer_id=user.pk).select_related("author"),
        "created_at",
        limit=limit,
        before=before,
    )
    for note in notes:
        author = note.author or _("a former staff member")
        yield Entry(
            kind="note",
            occurred_at=note.created_at,
            title=_("Note by %(name)s") % {"name": author},
            body=note.text,
            subkind="note",
            key=f"note:{note.pk}",
        )


def email_entries(user, *, limit=None, before=None, **kwargs):
    # The outbox's own log: what was delivered, from the moment it was.
    delivered = Message.objects.filter(user_id=user.pk, status=Message.Status.SENT)
    emails = _page(delivered, "sent_at", limit=limit, before=before)
    for email in emails:
        yield Entry(
            kind="email",
            occurred_at=email.sent_at,
            title=_("E-mail sent: “%(subject)s”") % {"subject": email.subject},
            body=_("to %(address)s") % {"address": email.to},
            subkind=email.kind,
            key=f"email:{email.pk}",
        )


def register():
    register_source("order", gettext_lazy("Orders"), order_entries)
    register_source("event", gettext_lazy("Activity"), event_entries)
    register_source("note", gettext_lazy("Notes"), note_entries)
    register_source("email", gettext_lazy("E-mails"), email_entries)
