import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from duken.catalog.models import Category, Product

_seq = itertools.count(1)


@pytest.fixture
def make_category(db):
    def make(name="Candles & Lights", **fields):
        n = next(_seq)
        fields.setdefault("slug", f"category-{n}")
        return Category.objects.create(name=name, **fields)

    return make


@pytest.fixture
def make_product(db, make_category):
    default_category = {}

    def make(name="White Hanging Heart T-Light Holder", *, categories=None, **fields):
        n = next(_seq)
        if categories is None:
            if "default" not in default_category:
                default_category["default"] = make_category("Home Decor")
            categories = [default_category["default"]]
        fields.setdefault("sku", f"T-{n}")
        fields.setdefault("slug", f"product-{n}")
        fields.setdefault("price", Decimal("1000"))
        fields.setdefault("stock", 10)
        fields.setdefault("created_at", timezone.now() - dt.timedelta(days=n))
        product = Product.objects.create(name=name, primary_category=categories[0], **fields)
        product.categories.set(categories)
        return product

    return make
