from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from duken.catalog.models import Category, Product
from duken.catalog.services import refresh_category_counts
from duken.customers.models import User

PASSWORD = "kokteM-2026!"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Fragment caches and the menu live in the shared cache; each test starts clean.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def small_catalog(db):
    """Two categories and a handful of products with different prices and stock."""
    mugs = Category.objects.create(
        slug="mugs", name="Mugs", name_ru="Кружки", name_kk="Саптыаяқтар"
    )
    candles = Category.objects.create(
        slug="candles", name="Candles", name_ru="Свечи", name_kk="Шамдар"
    )
    now = timezone.now()
    products = []
    specs = [
        ("M-001", "Red Spotty Mug", mugs, "1200", 40, 90),
        ("M-002", "Blue Polkadot Mug", mugs, "1500", 3, 50),
        ("M-003", "Vintage Paisley Mug", mugs, "2400", 0, 10),
        ("C-001", "White Vanilla Candle", candles, "900", 12, 70),
        ("C-002", "Heart Tealight Candle", candles, "450", 100, 120),
    ]
    for i, (sku, name, category, price, stock, popularity) in enumerate(specs):
        product = Product.objects.create(
            sku=sku,
            slug=sku.lower(),
            name=name,
            description=f"{name}, a favourite in our shop.",
            primary_category=category,
            price=Decimal(price),
            stock=stock,
            popularity=popularity,
            restock_days=10,
            created_at=now - timedelta(days=i),
        )
        product.categories.add(category)
        products.append(product)
    refresh_category_counts()
    return {"mugs": mugs, "candles": candles, "products": products}


@pytest.fixture
def customer(db):
    return User.objects.create_user("dana@example.kz", PASSWORD, first_name="Dana")
