from django import template

from duken.orders.downloads import download_max_age, downloads_for

register = template.Library()


@register.inclusion_tag("orders/_downloads.html")
def order_downloads(order):
    """``{% load downloads %}{% order_downloads order %}``: the paid order's download links
    (nothing for an unpaid order or one without digital products)."""
    return {"downloads": downloads_for(order), "days": max(download_max_age() // 86400, 1)}
