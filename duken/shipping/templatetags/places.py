"""Stored (English) countries and regions, shown in the reader's language:
``{% load places %}`` then ``{{ order.ship_country|country_name }}`` and
``{{ order.ship_region|region_name }}``. Names the shop does not know are shown as typed."""

from django import template

from duken.shipping import regions

register = template.Library()


@register.filter
def country_name(value) -> str:
    return regions.country_label(str(value or ""))


@register.filter
def region_name(value) -> str:
    return regions.region_label(str(value or ""))
