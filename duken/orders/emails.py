"""Order e-mails to the customer, written in the language the customer shopped in."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from duken.customers.services import send_claimed

from .events import PLACED, email_kind
from .models import OrderEvent, OrderStatus

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


def send_event_email(event_id: int) -> bool:
    """Send the e-mail for one event, at most once. Returns whether an e-mail was sent."""
    event = OrderEvent.objects.select_related("order", "order__user").filter(pk=event_id).first()
    if event is None or event.notified_at is not None:
        return False
    message = build_message(event)
    if message is None:
        return False
    # Claim the event first so two workers never both send; hand it back if sending fails,
    # so a retry can send it.
    pending = OrderEvent.objects.filter(pk=event.pk)
    return send_claimed(
        message,
        claim=lambda: pending.filter(notified_at__isnull=True).update(notified_at=timezone.now()),
        release=lambda: pending.update(notified_at=None),
        kind=f"order_{email_kind(event)}",
        user=event.order.user,
        reference=event.order.number,
    )
