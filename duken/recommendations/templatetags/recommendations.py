"""Recommendation widgets for the storefront's page hooks and the back office's customer page.

A widget never breaks its page: if computing it fails, the page renders without it (and the
error is logged)."""

import logging

from django import template

from .. import services

register = template.Library()
logger = logging.getLogger(__name__)

WIDGETS = "recommendations/_widgets.html"


def _safely(build, what: str) -> list:
    try:
        return [widget for widget in build() if widget]
    except Exception:
        logger.exception("recommendations could not be shown", extra={"widget": what})
        return []


@register.inclusion_tag(WIDGETS, takes_context=True)
def product_recommendations(context):
    """``{% product_recommendations %}``: "Often bought together" and "Similar products"."""
    product = context.get("product")
    widgets = _safely(lambda: services.product_widgets(product) if product else [], "product")
    return {"widgets": widgets}


@register.inclusion_tag(WIDGETS, takes_context=True)
def cart_recommendations(context):
    """``{% cart_recommendations %}``: "Complete your order" under the cart."""
    summary = context.get("summary")
    if summary is None or not getattr(summary, "lines", None):
        return {"widgets": []}
    return {"widgets": _safely(lambda: [services.cart_widget(summary)], "cart")}


@register.inclusion_tag(WIDGETS, takes_context=True)
def home_recommendations(context):
    """``{% home_recommendations %}``: "For you" and "Recently viewed" when personalization is
    allowed, best sellers in the visitor's country otherwise."""
    request = context.get("request")
    if request is None:
        return {"widgets": []}
    return {"widgets": _safely(lambda: services.home_widgets(request), "home")}


@register.inclusion_tag(WIDGETS, takes_context=True)
def confirmation_recommendations(context):
    """``{% confirmation_recommendations %}`` on the order confirmation page."""
    order = context.get("order")
    if order is None:
        return {"widgets": []}
    lines = context.get("lines")
    return {
        "widgets": _safely(lambda: [services.confirmation_widget(order, lines)], "confirmation")
    }


@register.inclusion_tag("recommendations/_staff_customer.html")
def staff_customer_recommendations(customer):
    """``{% staff_customer_recommendations customer %}``: what the customer would be shown
    and why, for the back office."""
    try:
        view = services.recommendations_for_customer(customer)
    except Exception:
        logger.exception("recommendations could not be shown", extra={"widget": "staff"})
        view = None
    return {"customer": customer, "view": view}
