"""What the customer asked us to forget, as it bears on rows written later and on what the shop
keeps (``ForgottenItem``, see ``memory.forget``).

- A wish not to be remembered again is honoured when rows are written: ``interactions.record``
  refuses an event it covers (``refuses``), the interaction buffer drops such events and
  writes such searches without the customer (``unwanted``), and joining a visitor's history
  leaves them out (``covered``). Nothing is stored for the item, so nothing needs hiding.
- Rows recorded before a forget may still sit in another process's buffer: they are not
  written for the customer either (``unwanted``). When in doubt, forget.
- Orders are records the shop must keep: the order lines a forget covers (all of them for a
  wish, those placed up to the forget otherwise) derive no interest (``forgotten_lines``).

A row is about an item the way forgetting the item deletes it (``memory_history``): events
about a product are about it and about each of its categories, events about a category about
it, and a search is about its words and about each category whose name it contains."""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from . import memory
from .memory import ForgetRecord
from .models import ForgottenItem


def records_of(user_ids) -> dict[int, list[ForgetRecord]]:
    """The forget records of these customers, in one query."""
    found = defaultdict(list)
    rows = ForgottenItem.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id", "key", "created_at", "may_remember_again"
    )
    for user_id, key, at, again in rows:
        found[user_id].append(ForgetRecord(key, at, again))
    return found


def unwanted(rows) -> list[bool]:
    """For each row (an interaction event or a stored search, not yet written): whether it
    must not be stored for its customer, because it predates one of their forgets or a wish of
    theirs covers it. One query, and only when the rows name customers."""
    user_ids = {row.user_id for row in rows if getattr(row, "user_id", None) is not None}
    records = records_of(user_ids) if user_ids else {}
    if not records:
        return [False] * len(rows)
    forgot_at = {user_id: max(r.at for r in found) for user_id, found in records.items()}
    wished = {
        user_id: frozenset(r.key for r in found if not r.may_remember_again)
        for user_id, found in records.items()
    }
    user_of = [getattr(row, "user_id", None) for row in rows]
    covered_rows = _covered(rows, [wished.get(user_id, frozenset()) for user_id in user_of])
    result = []
    for row, user_id, is_covered in zip(rows, user_of, covered_rows, strict=True):
        at = forgot_at.get(user_id)
        when = getattr(row, "occurred_at", None) or getattr(row, "created_at", None)
        result.append(is_covered or (at is not None and when is not None and when <= at))
    return result


def refuses(user, row) -> bool:
    """Whether the customer asked us never to remember what ``row`` is about (their wishes are
    read once per request, see ``memory.forget_records``)."""
    wished = memory.wished_keys(user)
    return bool(wished) and _covered([row], [wished])[0]


def covered(user, rows) -> list[bool]:
    """For each row: whether one of the customer's wishes covers it (rows that are not theirs
    yet, such as the history of the visitor they were before logging in)."""
    wished = memory.wished_keys(user)
    if not wished:
        return [False] * len(rows)
    return _covered(rows, [wished] * len(rows))


def forgotten_lines(user, prefix: str = "") -> Q | None:
    """The customer's order lines that their forgets cover, as a filter on ``OrderLine`` (its
    fields behind ``prefix``): every line of a product or category they asked us never to
    remember again, and the lines placed up to the forget of one we may remember again. None
    when nothing is covered."""
    from duken.catalog.models import Product

    through = Product.categories.through
    covered_lines = Q()
    for key, record in memory.forget_records(user).items():
        kind, _sep, pk = key.partition(":")
        if not pk.isdigit():
            continue
        if kind == "product":
            line = Q(**{f"{prefix}product_id": int(pk)})
        elif kind == "category":
            in_category = through.objects.filter(category_id=int(pk)).values("product_id")
            line = Q(**{f"{prefix}product_id__in": in_category}) | Q(
                **{f"{prefix}product__primary_category_id": int(pk)}
            )
        else:
            continue
        if record.may_remember_again:
            line &= Q(**{f"{prefix}order__placed_at__lte": record.at})
        covered_lines |= line
    return covered_lines or None


# --- matching rows to items ------------------------------------------------------------------


def _covered(rows, wished: list[frozenset]) -> list[bool]:
    """For each row, with the wish keys of its customer beside it: whether a wish covers it.
    Up to two queries, only when one of the wishes is about a category."""
    if not any(wished):
        return [False] * len(rows)
    from duken.catalog.models import Category, Product

    product_type = ContentType.objects.get_for_model(Product).pk
    category_type = ContentType.objects.get_for_model(Category).pk
    category_ids = {
        int(key.split(":", 1)[1])
        for keys in wished
        for key in keys
        if key.startswith("category:") and key.split(":", 1)[1].isdigit()
    }
    names, categories_of = {}, defaultdict(set)
    if category_ids:
        names = _category_words(category_ids)
        product_ids = {
            row.object_id
            for row in rows
            if getattr(row, "content_type_id", None) == product_type and row.object_id
        }
        links = Product.categories.through.objects.filter(
            product_id__in=product_ids, category_id__in=category_ids
        ).values_list("product_id", "category_id")
        for product_id, category_id in links:
            categories_of[product_id].add(category_id)
    result = []
    for row, keys in zip(rows, wished, strict=True):
        if not keys:
            result.append(False)
            continue
        about = _keys_of(row, product_type, category_type, categories_of, names)
        result.append(bool(about & keys))
    return result


def _category_words(category_ids) -> dict[str, list[set[str]]]:
    from duken.catalog.models import Category

    from .memory_erase import category_words

    return {
        memory.category_key(category.pk): category_words(category)
        for category in Category.objects.filter(pk__in=category_ids)
    }


def _keys_of(row, product_type, category_type, categories_of, names) -> set[str]:
    from .memory_erase import names_any

    keys = set()
    content_type_id, object_id = getattr(row, "content_type_id", None), getattr(row, "object_id", 0)
    if content_type_id == product_type and object_id:
        keys.add(memory.product_key(object_id))
        keys.update(memory.category_key(pk) for pk in categories_of.get(object_id, ()))
    elif content_type_id == category_type and object_id:
        keys.add(memory.category_key(object_id))
    query = _query(row)
    if query:
        keys.add(memory.search_key(query))
        keys.update(key for key, words in names.items() if names_any(query, words))
    return keys


def _query(row) -> str:
    from duken.catalog.models import SearchQuery
    from duken.interactions.models import Kind

    if isinstance(row, SearchQuery):
        query = row.query
    elif getattr(row, "kind", None) == Kind.SEARCH and isinstance(row.properties, dict):
        query = row.properties.get("query")
    else:
        return ""
    return query.strip() if isinstance(query, str) else ""


def covered_history(user, history) -> list[int]:
    """The ids of a visitor's events (``history``, before they logged in) that the customer's
    wishes cover; the history is read only when they have wishes."""
    if not memory.wished_keys(user):
        return []
    events = list(history.only("pk", "kind", "content_type", "object_id", "properties"))
    return [event.pk for event, drop in zip(events, covered(user, events), strict=True) if drop]
