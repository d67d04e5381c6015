"""The product tile every listing shows (home, category, search, recommendations), and what it
is made of: the image or a generated placeholder, the price, the stock badge and the rating.

Built in Python rather than with ``{% include %}``: listing pages render dozens of tiles and this
is their hot path. Tiles are cached in the shared cache by everything they show. The rating
comes from whichever app registers a source (conversations, in its ``AppConfig.ready()``), so
the catalog imports nothing above it.
"""

import hashlib
import re
from functools import lru_cache

from django.core.cache import cache
from django.utils import formats
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from duken.core.money import format_money

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


# Simple line icons (24×24, stroked) for the placeholder, by the main category's slug.
_ICONS = {
    "bag": "M6 8h12l1 12H5zM9 8V6a3 3 0 0 1 6 0v2",
    "candle": "M9 10h6v10H9zM12 10V7M12 3c1.5 1.5 1.5 3 0 4-1.5-1-1.5-2.5 0-4",
    "mug": "M5 7h11v9a4 4 0 0 1-4 4H9a4 4 0 0 1-4-4zM16 10h2a2 2 0 0 1 0 4h-2",
    "tea": "M4 10h13v3a6 6 0 0 1-6 6h-1a6 6 0 0 1-6-6zM17 11h1.5a2 2 0 0 1 0 4H17M9 4v3M12 4v3",
    "kitchen": "M7 3v8M5 3v5a2 2 0 0 0 4 0V3M7 11v10M16 3c-2 2-2 7 0 9v9",
    "gift": "M4 9h16v4H4zM6 13h12v8H6zM12 9v12M12 9c-2-4-6-4-5-1s5 1 5 1c2-4 6-4 5-1s-5 1-5 1",
    "clock": "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 7v5l3 2",
    "heart": "M12 20s-7-4.5-7-10a4 4 0 0 1 7-2.5A4 4 0 0 1 19 10c0 5.5-7 10-7 10z",
    "star": "M12 3l2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1-4.4-4.3 6.1-.9z",
    "flower": "M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM12 9V4M12 15v5M9 12H4M15 12h5M12 20v2",
    "frame": "M4 4h16v16H4zM7 16l3-4 3 3 2-2 2 3",
    "gem": "M6 4h12l3 5-9 11L3 9zM3 9h18M9 4l3 16 3-16",
    "toy": "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM3 12h18M12 3c3 3 3 15 0 18",
    "party": "M12 3a5 6 0 1 0 0 12 5 6 0 0 0 0-12zM12 15l-1 2h2zM12 17c0 2-2 2-2 4",
    "box": "M4 8l8-4 8 4v9l-8 4-8-4zM4 8l8 4 8-4M12 12v9",
    "pen": "M4 20l4-1 11-11-3-3L5 16zM14 6l3 3",
    "home": "M4 11l8-7 8 7v9H4zM10 20v-5h4v5",
}
_ICON_FOR = (
    ("bag", "bag"),
    ("candle", "candle"),
    ("light", "candle"),
    ("mug", "mug"),
    ("cup", "mug"),
    ("tea", "tea"),
    ("coffee", "tea"),
    ("lunch", "bag"),
    ("kitchen", "kitchen"),
    ("baking", "kitchen"),
    ("tableware", "kitchen"),
    ("card", "gift"),
    ("wrap", "gift"),
    ("gift", "gift"),
    ("clock", "clock"),
    ("heart", "heart"),
    ("love", "heart"),
    ("christmas", "star"),
    ("easter", "flower"),
    ("garden", "flower"),
    ("frame", "frame"),
    ("photo", "frame"),
    ("jewel", "gem"),
    ("accessor", "gem"),
    ("toy", "toy"),
    ("game", "toy"),
    ("child", "toy"),
    ("party", "party"),
    ("halloween", "party"),
    ("storage", "box"),
    ("stationery", "pen"),
    ("craft", "pen"),
    ("sign", "frame"),
    ("decor", "home"),
    ("textile", "home"),
    ("vintage", "home"),
    ("bath", "flower"),
)


def icon_for(slug: str) -> str:
    for keyword, icon in _ICON_FOR:
        if keyword in slug:
            return icon
    return ""


@lru_cache(maxsize=4096)
def placeholder_svg(seed: str, name: str, size: str = "card", icon: str = "") -> str:
    """A soft, deterministic tile for a product without a photo: a pastel colour from the
    SKU, gentle circles, the product's initials and its category's icon; the name is the
    accessible label."""
    digest = hashlib.blake2b(seed.encode(), digest_size=6).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    hue2 = (hue + 24 + digest[2] % 40) % 360
    cx, cy = 40 + digest[3] % 140, 30 + digest[4] % 120
    label = escape(name)
    path = _ICONS.get(icon, "")
    glyph = (
        f'<g transform="translate(150 150) scale(1.5)" fill="none" stroke="hsl({hue} 35% 38%)"'
        f' stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" opacity=".55">'
        f'<path d="{path}"/></g>'
        if path
        else ""
    )
    return (
        f'<svg class="ph ph-{size}" viewBox="0 0 200 200" role="img" aria-label="{label}"'
        f' xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid slice">'
        f"<title>{label}</title>"
        f'<rect width="200" height="200" fill="hsl({hue} 55% 93%)"/>'
        f'<circle cx="{cx}" cy="{cy}" r="90" fill="hsl({hue2} 60% 88%)"/>'
        f'<circle cx="{200 - cx // 2}" cy="{200 - cy // 3}" r="46" fill="hsl({hue} 50% 85%)"/>'
        f'<text x="100" y="100" dy=".35em" text-anchor="middle" font-family="system-ui,'
        f'-apple-system,Segoe UI,Roboto,sans-serif" font-size="50" font-weight="600"'
        f' fill="hsl({hue} 35% 38%)">{escape(_initials(name))}</text>{glyph}</svg>'
    )


def _category_icon(product) -> str:
    # Only when the main category came with the product: a tile never costs a query.
    from duken.catalog.models import Product

    if not Product.primary_category.is_cached(product):
        return ""
    return icon_for(product.primary_category.slug)


def _first_image(product):
    if not product.image_count:
        return None
    # Uses prefetched images when the caller prefetched them (listing pages do).
    cache = getattr(product, "_prefetched_objects_cache", {})
    if "images" in cache:
        images = cache["images"]
        return images[0] if images else None
    return product.images.first()


def image_html(product, size="card", images=None) -> str:
    if images is not None:
        image = images[0] if len(images) else None
    else:
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
    return placeholder_svg(product.sku or product.name, product.name, size, _category_icon(product))


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


CARD_TTL = 300

_ratings_sources = []


def register_ratings(source) -> None:
    """``source(product_ids) -> {product_id: (average, count)}`` fills the tiles' ratings."""
    if source not in _ratings_sources:
        _ratings_sources.append(source)


def _ratings(ids) -> dict:
    found = {}
    for source in _ratings_sources:
        found.update(source(ids))
    return found


def _card_key(product) -> str:
    return (
        f"storefront:card:{product.pk}:{product.updated_at.timestamp() if product.updated_at else 0}"
        f":{product.price}:{product.stock}:{product.image_count}:{get_language()}"
    )


def cards_html(products) -> list[str]:
    """The tiles of ``products``, in order: read from the cache in one round trip (a grid of
    24 tiles is one call to a shared cache, not 24), the missing ones rendered and stored."""
    keys = [_card_key(product) for product in products]
    found = cache.get_many(keys) if keys else {}
    todo = [(key, product) for key, product in zip(keys, products, strict=True) if key not in found]
    missing = {}
    if todo:
        ratings = _ratings([product.pk for _key, product in todo])
        for key, product in todo:
            missing[key] = found[key] = _render_card(product, ratings.get(product.pk))
    if missing:
        cache.set_many(missing, CARD_TTL)
    return [mark_safe(found[key]) for key in keys]


def _render_card(product, rating=None) -> str:
    return format_html(
        '<article class="pcard"><a class="pcard-link" href="{url}">'
        '<div class="pcard-media">{image}</div>'
        '<h3 class="pcard-name">{name}</h3></a>{rating}'
        '<div class="pcard-meta"><span class="price">{price}</span>{badge}</div></article>',
        url=product.get_absolute_url(),
        image=mark_safe(image_html(product, "card")),
        name=product.name,
        rating=rating_line(*rating) if rating else "",
        price=format_money(product.price, product.currency),
        badge=mark_safe(stock_badge(product)),
    )


def rating_line(average: float, count: int) -> str:
    """A tile's rating: the average stars and how many reviews, read out in full."""
    label = ngettext(
        "Rated %(average)s out of 5 by %(count)d customer",
        "Rated %(average)s out of 5 by %(count)d customers",
        count,
    ) % {"average": formats.number_format(average, 1), "count": count}
    return format_html(
        '<p class="pcard-rating" role="img" aria-label="{}"><span class="pcard-star"'
        ' aria-hidden="true">★</span> <span aria-hidden="true">{} <span class="muted">({})'
        "</span></span></p>",
        label,
        formats.number_format(average, 1),
        count,
    )
