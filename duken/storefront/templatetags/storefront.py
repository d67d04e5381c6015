"""Storefront template tags. Product tiles and images come from the catalog
(``duken.catalog.tiles``); these tags put them on pages."""

from django import template
from django.core.cache import cache
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from duken.catalog.tiles import LOW_STOCK, cards_html, image_html

register = template.Library()

STATUS_BADGE = {
    "awaiting_payment": "badge-warning",
    "awaiting_stock": "badge-warning",
    "paid": "badge-success",
    "packed": "badge-success",
    "shipped": "badge-success",
    "delivered": "badge-success",
    "completed": "badge-success",
    "cancelled": "badge-danger",
    "returned": "badge-danger",
    "refunded": "badge-danger",
}


@register.simple_tag
def product_image(product, size="card", images=None):
    """``{% product_image product size="card" %}``: the first image's thumbnail, or a
    generated placeholder; never a broken image. ``images`` passes the product's images when
    the caller already has them."""
    return mark_safe(image_html(product, size, images))


@register.simple_tag
def product_card(product):
    """``{% product_card product %}``: a product tile for grids.

    Tiles are cached by everything they show (the product's version, price, stock, first
    image and the language), so a stale tile can never be served."""
    return cards_html([product])[0]


@register.simple_tag
def product_grid(products):
    """``{% product_grid products %}``: the tiles of a grid, one after another."""
    return mark_safe("".join(cards_html(list(products))))


@register.simple_tag
def stock_status(product):
    """The product page's stock line: in stock, only N left, or out of stock with the
    backorder delay."""
    if product.is_digital:
        return format_html(
            '<p class="stock stock-ok">{}</p>', _("Digital product: download after payment")
        )
    if product.stock > LOW_STOCK:
        return format_html('<p class="stock stock-ok">{}</p>', _("In stock"))
    if product.stock > 0:
        text = ngettext("Only %(n)d left in stock", "Only %(n)d left in stock", product.stock) % {
            "n": product.stock
        }
        return format_html('<p class="stock stock-low">{}</p>', text)
    if product.allow_backorder:
        text = ngettext(
            "Out of stock: available to order, ships in about %(days)d day",
            "Out of stock: available to order, ships in about %(days)d days",
            product.restock_days,
        ) % {"days": product.restock_days}
        return format_html('<p class="stock stock-wait">{}</p>', text)
    return format_html('<p class="stock stock-out">{}</p>', _("Out of stock"))


@register.simple_tag
def order_status(order):
    """The order's status as a coloured badge."""
    return format_html(
        '<span class="badge {}">{}</span>',
        STATUS_BADGE.get(order.status, ""),
        order.get_status_display(),
    )


@register.simple_tag(takes_context=True)
def category_menu(context):
    """The header's category links, rendered once per language and catalog version (the menu
    runs on every page); the current category is marked per request."""
    from ..caching import FRAGMENT_TTL, catalog_version

    language = get_language() or ""
    key = f"storefront:menu-html:{language}:{catalog_version()}"
    html = cache.get(key)
    if html is None:
        items = context.get("menu_categories") or []
        html = "".join(
            format_html('<li><a href="{}">{}</a></li>', item["url"], item["name"]) for item in items
        )
        cache.set(key, html, FRAGMENT_TTL)
    current = context.get("category")
    if current is not None and getattr(current, "slug", None):
        url = escape(current.get_absolute_url())
        html = html.replace(f'<a href="{url}">', f'<a href="{url}" aria-current="page">', 1)
    return mark_safe(html)
