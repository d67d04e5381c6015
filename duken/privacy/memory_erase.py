"""Forgetting what the customer's history holds: the events and searches behind a product, a
category, a search or the whole activity (the rows are deleted; the catalog's search log keeps
its searches for statistics, without the customer)."""

from django.db.models import Q

from duken.interactions.models import Event, Kind

from . import memory
from .memory_history import ACTIVITY_KINDS, _content_type


def forget_product(user, key):
    from duken.catalog.models import Product

    product_id = int(key.split(":", 1)[1])
    Event.objects.filter(
        user_id=user.pk, content_type=_content_type(Product), object_id=product_id
    ).delete()


def forget_category(user, key):
    """The customer's views of the category and of its products, their cart events for its
    products, and their searches that name the category (in any of its languages)."""
    from duken.catalog.models import Category, Product

    category_id = int(key.split(":", 1)[1])
    in_category = Product.categories.through.objects.filter(category_id=category_id).values(
        "product_id"
    )
    Event.objects.filter(user_id=user.pk).filter(
        Q(content_type=_content_type(Product), object_id__in=in_category)
        | Q(content_type=_content_type(Category), object_id=category_id)
    ).delete()
    category = Category.objects.filter(pk=category_id).first()
    if category is not None:
        names = category_words(category)
        _forget_searches(user, lambda query: names_any(query, names))


def category_words(category) -> list[set[str]]:
    """The words of the category's name in each of its languages."""
    return [
        set(memory.normalized_search(name).split())
        for name in (category.name, category.name_ru, category.name_kk)
        if name
    ]


def names_any(query, names) -> bool:
    """Whether the search names the category (all the words of one of its names)."""
    words = set(memory.normalized_search(query).split())
    return any(name and name <= words for name in names)


def _forget_searches(user, matches) -> None:
    from duken.catalog.models import SearchQuery

    searches = Event.objects.filter(user_id=user.pk, kind=Kind.SEARCH).values_list(
        "pk", "properties__query"
    )
    Event.objects.filter(pk__in=[pk for pk, query in searches if matches(query)]).delete()
    logged = SearchQuery.objects.filter(user_id=user.pk).values_list("pk", "query")
    SearchQuery.objects.filter(pk__in=[pk for pk, query in logged if matches(query)]).update(
        user=None, session_key=""
    )


def forget_search(user, key):
    _forget_searches(user, lambda query: memory.search_key(query) == key)


def forget_activity(user, key):
    from duken.catalog.models import SearchQuery

    Event.objects.filter(user_id=user.pk, kind__in=ACTIVITY_KINDS).delete()
    # the catalog keeps its search log for statistics: the searches stay, without the customer
    SearchQuery.objects.filter(user_id=user.pk).update(user=None, session_key="")
