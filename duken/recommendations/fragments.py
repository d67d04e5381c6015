"""Rendered widgets, cached, with availability checked on every serve.

A widget's HTML is cached under a key naming everything it is built from (the product or
basket, the customer and their list's version, the language, the catalog's and the trained
lists' versions). Serving a cached widget costs one small query: whether every product in it
can still be bought. Stock reservations send no signal, so this check (not the key) is what
keeps a sold-out product from being recommended; when it fails, the widget is rebuilt.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.translation import get_language

from duken.catalog.caching import FRAGMENT_TTL, catalog_version
from duken.catalog.services import buyable_ids
from duken.catalog.tiles import cards_html
from duken.core import versions

from . import cache as keys

WIDGETS = "recommendations/_widgets.html"
USER_VERSION = "recommendations:user-version:{pk}"


def user_version(user_id) -> int:
    return versions.current(USER_VERSION.format(pk=user_id))


def bump_user_version(user_id) -> None:
    versions.bump(USER_VERSION.format(pk=user_id))


def digest(ids) -> str:
    return hashlib.blake2b(",".join(map(str, ids)).encode(), digest_size=8).hexdigest()


def key(kind: str, *parts) -> str:
    """A widget's cache key: its kind and parts, the language and both data versions."""
    joined = ":".join(str(part) for part in parts)
    if not joined.replace(":", "").replace("-", "").replace("_", "").isalnum():
        joined = digest([joined])  # names with spaces and the like: keys stay plain ASCII
    return (
        f"recommendations:html:{kind}:{joined}:{get_language() or ''}"
        f":{catalog_version()}:{keys.version()}"
    )


def render(widgets) -> str:
    widgets = [widget for widget in widgets if widget]
    items = [item for widget in widgets for item in widget.items]
    for item, card in zip(items, cards_html([item.product for item in items]), strict=True):
        item.card = card
    return render_to_string(WIDGETS, {"widgets": widgets})


def cached(cache_key: str, build, ttl: int = FRAGMENT_TTL) -> str:
    """The widgets ``build()`` returns, rendered; from the cache when every product in them
    can still be bought."""
    hit = cache.get(cache_key)
    if hit is not None:
        html, ids = hit
        if not ids or len(buyable_ids(ids)) == len(set(ids)):
            return html
    widgets = [widget for widget in build() if widget]
    html = render(widgets)
    shown = [item.product.pk for widget in widgets for item in widget.items]
    cache.set(cache_key, (html, shown), ttl)
    return html


def forget_product_widgets(product_ids) -> None:
    """Drop the cached product-page widgets of ``product_ids`` (after an incremental update)."""
    names = []
    for pk in product_ids:
        for language, _name in settings.LANGUAGES:
            names.append(
                f"recommendations:html:product:{pk}:{language}:{catalog_version()}:{keys.version()}"
            )
    cache.delete_many(names)
