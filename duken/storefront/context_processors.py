from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from duken.catalog.models import Category

from .caching import FRAGMENT_TTL, catalog_version


def menu_categories(language: str) -> list[dict]:
    """The category menu in ``language``: cached, one query at most per TTL and language."""
    key = f"storefront:menu:{language}:{catalog_version()}"
    menu = cache.get(key)
    if menu is None:
        menu = [
            {"slug": c.slug, "name": c.display_name, "url": c.get_absolute_url()}
            for c in Category.objects.filter(is_active=True, product_count__gt=0).only(
                "slug", "name", "name_ru", "name_kk"
            )
        ]
        cache.set(key, menu, FRAGMENT_TTL)
    return menu


def storefront(request):
    """Runs on every page: the menu (cached) and the language list, nothing else."""
    language = get_language() or settings.LANGUAGE_CODE
    return {
        "menu_categories": menu_categories(language),
        "site_languages": settings.LANGUAGES,
        "catalog_version": catalog_version(),
    }
