from django import template

from duken.core.money import format_money

register = template.Library()


@register.filter
def money(amount, currency=None):
    """``{{ product.price|money }}`` -> ``12 345 ₸``."""
    if amount is None or amount == "":
        return ""
    return format_money(amount, currency)
