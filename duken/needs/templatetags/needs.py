"""The product page's "Save" and "Tell me when it is back" buttons."""

from django import template

from ..services import product_state

register = template.Library()


@register.simple_tag(takes_context=True)
def needs_state(context, product) -> dict:
    request = context.get("request")
    return product_state(getattr(request, "user", None), product)
