"""Full-text product search with relevance ranking and prefix matching.

The index holds one document per active product: its name (weighted high) and its keywords
(SKU and the names of its categories in English, Russian and Kazakh, weighted low).

* SQLite: an FTS5 virtual table ``catalog_product_fts`` (rowid = product id) with the porter
  stemmer, ranked by bm25.
* PostgreSQL: a table ``catalog_product_fts`` (product id, weighted ``tsvector``) with a GIN
  index, matched with ``to_tsquery`` prefix terms (``word:*``) and ranked by ``ts_rank``.

Both are created by the catalog's migrations and kept in sync by ``reindex_products`` (called
by the catalog's signal receivers whenever a product or category changes) and
``rebuild_search_index`` (called by the importer). Query words are ANDed, each as a prefix;
when that finds nothing, they are ORed; when that finds nothing either, the result carries
suggestions (close words from the catalog's vocabulary, matching category names) and popular
fallback products.
"""

import difflib
import hashlib
import re
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.utils.functional import SimpleLazyObject

from .caching import catalog_version
from .models import CARD_FIELDS, Category, Product

MAX_QUERY_CHARS = 500
MAX_TERMS = 10
FALLBACK_COUNT = 8
MAX_SUGGESTIONS = 5
# Words too common to narrow a search; dropped unless the query has nothing else.
STOPWORDS = frozenset({"a", "an", "and", "the", "of", "with", "in", "on", "for", "to", "&"})
VOCABULARY_CACHE_KEY = "catalog:search-vocabulary"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass
class SearchResult:
    page: Page
    total: int
    query: str
    suggestions: list[str] = field(default_factory=list)
    fallback_products: list[Product] = field(default_factory=list)


def normalize_query(query) -> str:
    """Lower-case words of the query, joined by single spaces: every character the search
    engines treat as syntax is gone, so no query can cause an error."""
    return " ".join(_terms(query))


def _terms(query) -> list[str]:
    text = str(query or "")[:MAX_QUERY_CHARS]
    words = [w.lower() for w in _WORD.findall(text)][:MAX_TERMS]
    meaningful = [w for w in words if w not in STOPWORDS]
    return meaningful or words


# Seconds a search's page of results is reused; catalog edits start a new version at once,
# stock changes from orders (stock badges) show within this time.
RESULT_TTL = 60


def search(query, *, page=1, per_page=24) -> SearchResult:
    """A page of products matching ``query``, best first. The same search asked again within
    a minute reuses the computed page: shoppers repeat the popular searches all day."""
    terms = _terms(query)
    normalized = " ".join(terms)
    key = (
        "catalog:search:"
        + hashlib.blake2b(
            f"{normalized}|{page}|{per_page}|{catalog_version()}".encode(), digest_size=12
        ).hexdigest()
    )
    result = cache.get(key)
    if result is None:
        result = _search(terms, normalized, page=page, per_page=per_page)
        cache.set(key, result, RESULT_TTL)
    # The cache keeps the page's product ids; the products load when someone looks at them
    # (a page whose product grid is cached itself never does).
    page_ids = list(result.page.object_list)
    result.page.object_list = SimpleLazyObject(lambda: _products_in_order(page_ids))
    return result


def _products_in_order(ids) -> list[Product]:
    products = Product.objects.select_related("primary_category").only(*CARD_FIELDS).in_bulk(ids)
    return [products[pk] for pk in ids if pk in products]


def _search(terms, normalized, *, page, per_page) -> SearchResult:
    ids = _match(terms, "AND") if terms else []
    suggestions: list[str] = []
    if terms and not ids and len(terms) > 1:
        ids = _match(terms, "OR")
    if len(ids) < 3 and terms:
        suggestions = _suggestions(terms, exclude=normalized, with_categories=not ids)
    paginator = Paginator(ids, per_page)
    result_page = paginator.get_page(page)
    result_page.object_list = list(result_page.object_list)
    fallback = [] if ids else popular_products(FALLBACK_COUNT)
    return SearchResult(
        page=result_page,
        total=len(ids),
        query=normalized,
        suggestions=suggestions,
        fallback_products=fallback,
    )


def popular_products(limit: int) -> list[Product]:
    return list(
        Product.objects.filter(is_active=True, stock__gt=0)
        .select_related("primary_category")
        .only(*CARD_FIELDS)
        .order_by("-popularity", "pk")[:limit]
    )


def _match(terms: list[str], operator: str) -> list[int]:
    """Ids of active products matching every (AND) or any (OR) term as a prefix, best first."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            # Each term is quoted, so FTS5 reads it as a plain string, then made a prefix.
            expression = f" {operator} ".join('"' + t.replace('"', "") + '"*' for t in terms)
            cursor.execute(
                "SELECT p.id FROM catalog_product_fts f JOIN catalog_product p ON p.id = f.rowid"
                " WHERE catalog_product_fts MATCH %s AND p.is_active"
                " ORDER BY bm25(catalog_product_fts, 10.0, 2.0), p.popularity DESC, p.id",
                [expression],
            )
        elif vendor == "postgresql":
            joiner = " & " if operator == "AND" else " | "
            expression = joiner.join(f"{t}:*" for t in terms)
            cursor.execute(
                "SELECT p.id FROM catalog_product_fts f"
                " JOIN catalog_product p ON p.id = f.product_id,"
                " to_tsquery('english', %s) q"
                " WHERE f.document @@ q AND p.is_active"
                " ORDER BY ts_rank(f.document, q) DESC, p.popularity DESC, p.id",
                [expression],
            )
        else:
            return _match_without_index(terms, operator)
        return [row[0] for row in cursor.fetchall()]


def _match_without_index(terms, operator):
    """Databases without a full-text engine: substring matches, most popular first."""
    from django.db.models import Q

    condition = Q()
    for term in terms:
        q = Q(name__icontains=term)
        condition = (condition & q) if operator == "AND" else (condition | q)
    return list(
        Product.objects.filter(condition, is_active=True)
        .order_by("-popularity", "pk")
        .values_list("pk", flat=True)
    )


# --- suggestions -----------------------------------------------------------------------------


def vocabulary() -> list[str]:
    """Words of active product names and category names (3 letters or more). Cached briefly:
    it only feeds suggestions, so a few minutes of staleness is harmless."""
    words = cache.get(VOCABULARY_CACHE_KEY)
    if words is None:
        found: set[str] = set()
        for name in Product.objects.filter(is_active=True).values_list("name", flat=True):
            found.update(w.lower() for w in _WORD.findall(name) if len(w) >= 3)
        for names in Category.objects.filter(is_active=True).values_list(
            "name", "name_ru", "name_kk"
        ):
            for name in names:
                found.update(w.lower() for w in _WORD.findall(name) if len(w) >= 3)
        words = sorted(found - STOPWORDS)
        cache.set(VOCABULARY_CACHE_KEY, words, 300)
    return words


def _suggestions(terms: list[str], *, exclude: str, with_categories: bool) -> list[str]:
    """Alternative queries: the query with its unknown words corrected to close catalog words
    (only corrections that find something), then category names close to the words."""
    words = vocabulary()
    known = set(words)
    alternatives: list[list[str]] = []
    unknown: list[str] = []
    for term in terms:
        if term in known or any(w.startswith(term) for w in words if w[:1] == term[:1]):
            alternatives.append([term])
        else:
            unknown.append(term)
            close = difflib.get_close_matches(term, words, n=3, cutoff=0.7)
            alternatives.append(close or [term])
    suggestions: list[str] = []
    if unknown:
        # The best correction of every word first, then variations of one word at a time.
        candidates = [" ".join(options[0] for options in alternatives)]
        for index, options in enumerate(alternatives):
            for option in options[1:]:
                variant = [o[0] for o in alternatives]
                variant[index] = option
                candidates.append(" ".join(variant))
        for term in unknown:
            candidates.extend(difflib.get_close_matches(term, words, n=2, cutoff=0.7))
        for candidate in candidates:
            if len(suggestions) >= MAX_SUGGESTIONS:
                break
            if candidate and candidate != exclude and candidate not in suggestions:
                if _match(candidate.split(), "AND"):
                    suggestions.append(candidate)
    if with_categories:
        for category in _matching_categories(terms)[:3]:
            name = category.display_name
            if name not in suggestions:
                suggestions.append(name)
    return suggestions


def _matching_categories(terms: list[str]) -> list[Category]:
    matches = []
    for category in Category.objects.filter(is_active=True, product_count__gt=0):
        names = " ".join((category.name, category.name_ru, category.name_kk)).lower()
        words = _WORD.findall(names)
        for term in terms:
            if len(term) >= 3 and (
                any(w.startswith(term) for w in words)
                or difflib.get_close_matches(term, words, n=1, cutoff=0.75)
            ):
                matches.append(category)
                break
    return matches


# --- index maintenance ---------------------------------------------------------------------


def _documents(product_ids=None):
    """(id, name, keywords) of active products, keywords being the SKU and category names."""
    products = Product.objects.filter(is_active=True)
    if product_ids is not None:
        products = products.filter(pk__in=list(product_ids))
    rows = {pk: [name, [sku]] for pk, name, sku in products.values_list("pk", "name", "sku")}
    if not rows:
        return []
    through = Product.categories.through.objects.filter(product_id__in=list(rows))
    for pk, name, name_ru, name_kk in through.values_list(
        "product_id", "category__name", "category__name_ru", "category__name_kk"
    ):
        rows[pk][1].extend(n for n in (name, name_ru, name_kk) if n)
    return [(pk, name, " ".join(keywords)) for pk, (name, keywords) in rows.items()]


def _write(documents, *, delete_ids=None):
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        return
    id_column = "rowid" if vendor == "sqlite" else "product_id"
    with connection.cursor() as cursor:
        if delete_ids is None:
            cursor.execute("DELETE FROM catalog_product_fts")
        else:
            ids = list(delete_ids)
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"DELETE FROM catalog_product_fts WHERE {id_column} IN ({marks})", chunk
                )
        if not documents:
            return
        if vendor == "sqlite":
            cursor.executemany(
                "INSERT INTO catalog_product_fts (rowid, name, keywords) VALUES (%s, %s, %s)",
                documents,
            )
        else:
            cursor.executemany(
                "INSERT INTO catalog_product_fts (product_id, document) VALUES (%s,"
                " setweight(to_tsvector('english', %s), 'A')"
                " || setweight(to_tsvector('simple', %s), 'C'))",
                documents,
            )


def reindex_products(product_ids) -> None:
    """Bring the index up to date for these products (removed when inactive or deleted)."""
    product_ids = list(product_ids)
    if product_ids:
        _write(_documents(product_ids), delete_ids=product_ids)
        cache.delete(VOCABULARY_CACHE_KEY)


def rebuild_search_index() -> int:
    """Index every active product from scratch; returns the number of documents."""
    documents = _documents()
    _write(documents)
    cache.delete(VOCABULARY_CACHE_KEY)
    return len(documents)


def index_size() -> int:
    if connection.vendor not in ("sqlite", "postgresql"):
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM catalog_product_fts")
        return cursor.fetchone()[0]
