"""Forgets made before the customer could choose whether Duken may remember the item again
promised that it would never come back, and hid from the customer's page the rows stored about
it since (which the staff timeline still showed). They keep that meaning as wishes not to be
remembered again (the new field's default), which are now honoured when rows are written; the
rows stored since such a forget are forgotten now, as the customer asked then: events deleted,
searches kept for the shop's statistics without the customer. Forgetting all activity was
recorded only so that rows buffered before it were dropped; it never was a wish."""

from django.db import migrations
from django.db.models import Q


def forget_what_was_stored_since(apps, schema_editor):
    ForgottenItem = apps.get_model("privacy", "ForgottenItem")
    ForgottenItem.objects.filter(key="activity:all").update(may_remember_again=True)
    records = ForgottenItem.objects.exclude(key="activity:all").values_list("user_id", "key")
    for user_id, key in list(records):
        kind, _sep, pk = key.partition(":")
        if kind == "product" and pk.isdigit():
            _forget_objects(apps, user_id, Q(object_id=int(pk)), Q(pk__in=[]))
        elif kind == "category" and pk.isdigit():
            _forget_category(apps, user_id, int(pk))
        elif kind == "search":
            # the stored keys are digests made by this function, which therefore never changes
            from duken.privacy.memory import search_key

            _forget_searches(apps, user_id, lambda query, key=key: search_key(query) == key)


def _content_type(apps, model):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.filter(app_label="catalog", model=model).first()


def _forget_objects(apps, user_id, products: Q, categories: Q):
    Event = apps.get_model("interactions", "Event")
    product_type = _content_type(apps, "product")
    category_type = _content_type(apps, "category")
    about = Q(pk__in=[])
    if product_type is not None:
        about |= Q(content_type=product_type) & products
    if category_type is not None:
        about |= Q(content_type=category_type) & categories
    Event.objects.filter(user_id=user_id).filter(about).delete()


def _forget_category(apps, user_id, category_id):
    Category = apps.get_model("catalog", "Category")
    Product = apps.get_model("catalog", "Product")
    in_category = Product.categories.through.objects.filter(category_id=category_id).values(
        "product_id"
    )
    _forget_objects(apps, user_id, Q(object_id__in=in_category), Q(object_id=category_id))
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        return
    from duken.privacy.memory import normalized_search

    names = [
        set(normalized_search(name).split())
        for name in (category.name, category.name_ru, category.name_kk)
        if name
    ]

    def names_it(query):
        words = set(normalized_search(query).split())
        return any(name and name <= words for name in names)

    _forget_searches(apps, user_id, names_it)


def _forget_searches(apps, user_id, matches):
    Event = apps.get_model("interactions", "Event")
    SearchQuery = apps.get_model("catalog", "SearchQuery")
    searches = Event.objects.filter(user_id=user_id, kind="search").values_list(
        "pk", "properties"
    )
    Event.objects.filter(
        pk__in=[
            pk
            for pk, properties in searches
            if isinstance(properties, dict)
            and isinstance(properties.get("query"), str)
            and matches(properties["query"])
        ]
    ).delete()
    logged = SearchQuery.objects.filter(user_id=user_id).values_list("pk", "query")
    SearchQuery.objects.filter(pk__in=[pk for pk, query in logged if matches(query)]).update(
        user=None, session_key=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0003_forgottenitem_may_remember_again"),
        ("interactions", "0001_initial"),
        ("catalog", "0005_searchquery_created_at_default"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(forget_what_was_stored_since, migrations.RunPython.noop),
    ]
