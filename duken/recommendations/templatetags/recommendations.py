"""Recommendation widgets for the storefront's page hooks and the back office's customer page.

A widget never breaks its page: if computing it fails, the page renders without it (and the
error is logged)."""

import logging

from django import template
from django.utils.safestring import mark_safe

from .. import fragments, services, serving

register = template.Library()
logger = logging.getLogger(__name__)


def _safely(build, what: str) -> str:
    try:
        return mark_safe(build())
    except Exception:
        logger.exception("recommendations could not be shown", extra={"widget": what})
        return ""


@register.simple_tag(takes_context=True)
def product_recommendations(context):
    """``{% product_recommendations %}``: "Often bought together" and "Similar products"."""
    product = context.get("product")
    if product is None:
        return ""
    return _safely(lambda: serving.product_html(product), "product")


@register.simple_tag(takes_context=True)
def cart_recommendations(context):
    """``{% cart_recommendations %}``: "Complete your order" under the cart."""
    summary = context.get("summary")
    if summary is None or not getattr(summary, "lines", None):
        return ""
    lines = [(line.product.pk, line.product.name) for line in summary.lines]
    return _safely(lambda: serving.basket_html(lines, name="complete-order"), "cart")


@register.simple_tag(takes_context=True)
def home_recommendations(context):
    """``{% home_recommendations %}``: "For you" and "Recently viewed" when personalization is
    allowed, best sellers in the visitor's country otherwise."""
    request = context.get("request")
    if request is None:
        return ""
    return _safely(lambda: serving.home_html(request), "home")


@register.simple_tag(takes_context=True)
def confirmation_recommendations(context):
    """``{% confirmation_recommendations %}`` on the order confirmation page."""
    order = context.get("order")
    if order is None:
        return ""
    lines = context.get("lines")
    return _safely(
        lambda: fragments.render([services.confirmation_widget(order, lines)]), "confirmation"
    )


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
