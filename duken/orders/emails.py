"""Order e-mails to the customer, written in the language the customer shopped in."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from duken.outbox import services as outbox

from .models import OrderEvent, OrderStatus

# Status changes the customer is told about by e-mail ("placed" is the first event).
NOTIFY_STATUSES = frozenset(
    {
        OrderStatus.PAID,
        OrderStatus.AWAITING_STOCK,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.CANCELLED,
        OrderStatus.RETURNED,
        OrderStatus.REFUNDED,
    }
)
PLACED = "placed"


def email_kind(event: OrderEvent) -> str | None:
    """Which customer e-mail an event calls for, if any."""
    if not event.from_status and event.to_status:
        return PLACED
    if event.from_status != event.to_status and event.to_status in NOTIFY_STATUSES:
        return event.to_status
    return None


HEADLINES = {
    PLACED: _("Thank you! We have received your order %(number)s."),
    OrderStatus.PAID: _("We have received your payment for order %(number)s."),
    OrderStatus.AWAITING_STOCK: _("Part of order %(number)s is waiting for stock."),
    OrderStatus.SHIPPED: _("Order %(number)s is on its way."),
    OrderStatus.DELIVERED: _("Order %(number)s has been delivered."),
    OrderStatus.CANCELLED: _("Order %(number)s has been cancelled."),
    OrderStatus.RETURNED: _("We have received the return of order %(number)s."),
    OrderStatus.REFUNDED: _("The money for order %(number)s has been refunded."),
}
SUBJECTS = {
    PLACED: _("Order %(number)s received"),
    OrderStatus.PAID: _("Order %(number)s paid"),
    OrderStatus.AWAITING_STOCK: _("Order %(number)s is waiting for stock"),
    OrderStatus.SHIPPED: _("Order %(number)s shipped"),
    OrderStatus.DELIVERED: _("Order %(number)s delivered"),
    OrderStatus.CANCELLED: _("Order %(number)s cancelled"),
    OrderStatus.RETURNED: _("Order %(number)s returned"),
    OrderStatus.REFUNDED: _("Order %(number)s refunded"),
}
DETAILS = {
    PLACED: _("We will let you know by e-mail as soon as your order moves on."),
    OrderStatus.PAID: _("We are now preparing your order for delivery."),
    OrderStatus.AWAITING_STOCK: _(
        "Some items are on their way to our warehouse; we ship as soon as they arrive."
    ),
    OrderStatus.SHIPPED: _("Your parcel has left our warehouse."),
    OrderStatus.DELIVERED: _("We hope you enjoy your purchase."),
    OrderStatus.CANCELLED: _(
        "If you have already paid, the money will be returned to you; we will confirm it "
        "in a separate e-mail."
    ),
    OrderStatus.RETURNED: _("If you paid for the order, we will refund the money shortly."),
    OrderStatus.REFUNDED: _("Depending on your bank, it may take a few days to appear."),
}


def customer_language(order) -> str:
    languages = {code for code, _name in settings.LANGUAGES}
    for candidate in (order.language, getattr(order.user, "language", "")):
        if candidate and candidate[:2] in languages:
            return candidate[:2]
    return settings.LANGUAGE_CODE


def _order_url(order) -> str:
    if not order.user_id:
        return ""
    try:
        path = reverse("storefront:order_detail", args=[order.number])
    except NoReverseMatch:
        return ""
    return settings.SITE_URL.rstrip("/") + path


def build_message(event: OrderEvent) -> EmailMultiAlternatives | None:
    kind = email_kind(event)
    if kind is None:
        return None
    order = event.order
    with translation.override(customer_language(order)):
        number = {"number": order.number}
        context = {
            "order": order,
            "lines": list(order.lines.all()),
            "event": event,
            "kind": kind,
            "headline": HEADLINES[kind] % number,
            "details": DETAILS[kind],
            "note": event.note if kind in (OrderStatus.CANCELLED, OrderStatus.SHIPPED) else "",
            "order_url": _order_url(order),
            "site_url": settings.SITE_URL,
        }
        subject = str(SUBJECTS[kind] % number)
        text = render_to_string("orders/email/order_event.txt", context)
        html = render_to_string("orders/email/order_event.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[order.email]
    )
    message.attach_alternative(html, "text/html")
    return message


def queue_event_email(event: OrderEvent) -> bool:
    """Queue the customer's e-mail about ``event`` in the outbox, once; returns whether one
    was queued. Runs in the transaction that records the event."""
    kind = email_kind(event)
    if kind is None or event.notified_at is not None:
        return False
    message = build_message(event)
    pending = OrderEvent.objects.filter(pk=event.pk, notified_at__isnull=True)
    now = timezone.now()
    queued = outbox.email_once(
        message,
        key=f"order-event:{event.pk}",
        claim=lambda: pending.update(notified_at=now),
        kind=f"order_{kind}",
        user=event.order.user,
        reference=event.order.number,
    )
    if queued:
        event.notified_at = now
    return queued
