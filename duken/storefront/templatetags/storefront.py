"""Storefront template tags. Product tiles and images are built in Python rather than with
``{% include %}``: listing pages render dozens of them and this is their hot path."""

import hashlib
import re
from functools import lru_cache

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from duken.core.money import format_money

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

# Rendered size in CSS pixels; the SVG scales, the thumbnail gets width/height for layout.
SIZES = {"card": 320, "thumb": 96, "large": 640}
LOW_STOCK = 5


# Words that say nothing about the product make poor initials ("Pack Of 72 ..." -> not "PO").
_FILLER = {"a", "an", "and", "the", "of", "set", "pack", "with", "in", "for", "to", "assorted"}


def _initials(name: str) -> str:
    words = [w for w in re.split(r"[\s/\-]+", name) if w[:1].isalpha()]
    meaningful = [w for w in words if w.lower() not in _FILLER] or words
    words = meaningful
    if not words:
        return (name.strip()[:1] or "D").upper()
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[1][0]).upper()


@lru_cache(maxsize=4096)
def placeholder_svg(seed: str, name: str, size: str = "card") -> str:
    """A soft, deterministic tile for a product without a photo: a pastel colour from the
    SKU, gentle circles and the product's initials; the name is the accessible label."""
    digest = hashlib.blake2b(seed.encode(), digest_size=6).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    hue2 = (hue + 24 + digest[2] % 40) % 360
    cx, cy = 40 + digest[3] % 140, 30 + digest[4] % 120
    label = escape(name)
    return (
        f'<svg class="ph ph-{size}" viewBox="0 0 200 200" role="img" aria-label="{label}"'
        f' xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid slice">'
        f"<title>{label}</title>"
        f'<rect width="200" height="200" fill="hsl({hue} 55% 93%)"/>'
        f'<circle cx="{cx}" cy="{cy}" r="90" fill="hsl({hue2} 60% 88%)"/>'
        f'<circle cx="{200 - cx // 2}" cy="{200 - cy // 3}" r="46" fill="hsl({hue} 50% 85%)"/>'
        f'<text x="100" y="100" dy=".35em" text-anchor="middle" font-family="system-ui,'
        f'-apple-system,Segoe UI,Roboto,sans-serif" font-size="50" font-weight="600"'
        f' fill="hsl({hue} 35% 38%)">{escape(_initials(name))}</text></svg>'
    )


def _first_image(product):
    # Uses prefetched images when the caller prefetched them (listing pages do).
    cache = getattr(product, "_prefetched_objects_cache", {})
    if "images" in cache:
        images = cache["images"]
        return images[0] if images else None
    return product.images.first()


def image_html(product, size="card") -> str:
    image = _first_image(product)
    if image is not None:
        field = image.thumbnail if (size != "large" and image.thumbnail) else image.image
        if field:
            px = SIZES.get(size, 320)
            return format_html(
                '<img class="pimg pimg-{}" src="{}" alt="{}" width="{}" height="{}"'
                ' loading="lazy" decoding="async">',
                size,
                field.url,
                image.alt or product.name,
                px,
                px,
            )
    return placeholder_svg(product.sku or product.name, product.name, size)


@register.simple_tag
def product_image(product, size="card"):
    """``{% product_image product size="card" %}``: the first image's thumbnail, or a
    generated placeholder; never a broken image."""
    return mark_safe(image_html(product, size))


def stock_badge(product) -> str:
    if product.is_digital:
        return format_html('<span class="badge badge-success">{}</span>', _("Download"))
    if product.stock <= 0:
        if product.allow_backorder:
            return format_html('<span class="badge badge-warning">{}</span>', _("To order"))
        return format_html('<span class="badge badge-danger">{}</span>', _("Out of stock"))
    if product.stock <= LOW_STOCK:
        text = ngettext("Only %(n)d left", "Only %(n)d left", product.stock) % {"n": product.stock}
        return format_html('<span class="badge badge-warning">{}</span>', text)
    return ""


@register.simple_tag
def product_card(product):
    """``{% product_card product %}``: a product tile for grids."""
    return format_html(
        '<article class="pcard"><a class="pcard-link" href="{url}">'
        '<div class="pcard-media">{image}</div>'
        '<h3 class="pcard-name">{name}</h3></a>'
        '<div class="pcard-meta"><span class="price">{price}</span>{badge}</div></article>',
        url=product.get_absolute_url(),
        image=mark_safe(image_html(product, "card")),
        name=product.name,
        price=format_money(product.price, product.currency),
        badge=mark_safe(stock_badge(product)),
    )


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
