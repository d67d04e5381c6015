"""A small shop with a purchase history that has clear patterns: teacups are bought with
saucers-and-plates, candles with tealight holders; real rows, no mocks."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from duken.orders.models import OrderStatus
from duken.testing.factories import make_category, make_order, make_product

PASSWORD = "Steppe-Winds-2026"


def build():
    tea = make_category(slug="tea", name="Tea time")
    light = make_category(slug="light", name="Candles and light")
    p = {
        "teacup": make_product(name="Pink Regency Teacup", category=tea, slug="pink-teacup"),
        "plate": make_product(name="Pink Regency Tea Plate", category=tea, slug="pink-plate"),
        "green_teacup": make_product(name="Green Regency Teacup", category=tea, slug="green-cup"),
        "cakestand": make_product(name="Regency Cakestand", category=tea, slug="cakestand"),
        "candle": make_product(name="Vanilla Pillar Candle", category=light, slug="candle"),
        "holder": make_product(name="Heart Tealight Holder", category=light, slug="holder"),
        "lantern": make_product(name="Moroccan Lantern", category=light, slug="lantern"),
    }
    users = get_user_model().objects
    customers = {
        name: users.create_user(f"{name}@example.kz", PASSWORD, first_name=name.title(), country=c)
        for name, c in (
            ("aliya", "Kazakhstan"),
            ("daulet", "Kazakhstan"),
            ("saule", "Kazakhstan"),
            ("marat", "Kazakhstan"),
            ("nurlan", "Kazakhstan"),
            ("emma", "United Kingdom"),
        )
    }
    now = timezone.now()

    def order(customer, *names, days_ago=10, status=OrderStatus.COMPLETED):
        placed = make_order(
            lines=[(p[name], 1, 0) for name in names],
            status=status,
            user=customer,
            email=customer.email,
            ship_country=customer.country,
        )
        placed.placed_at = now - timedelta(days=days_ago)
        placed.save(update_fields=["placed_at"])
        return placed

    # Teacups go with plates and the cakestand; candles with holders.
    order(customers["aliya"], "teacup", "plate", days_ago=30)
    order(customers["daulet"], "teacup", "plate", "cakestand", days_ago=20)
    order(customers["saule"], "teacup", "plate", days_ago=15)
    order(customers["saule"], "candle", "holder", days_ago=3)
    order(customers["marat"], "candle", "holder", days_ago=12)
    order(customers["marat"], "candle", "holder", "lantern", days_ago=5)
    order(customers["nurlan"], "green_teacup", "cakestand", days_ago=8)
    order(customers["emma"], "lantern", days_ago=4)
    return {"products": p, "customers": customers, "order": order}
