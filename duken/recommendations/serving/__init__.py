"""Serving: turn the stored lists into widgets with a reason per item, cheaply. Nothing here
trains or scores: personal lists were ranked at training time.

- ``stored``: reading the stored lists and the products that can be bought now;
- ``product_pages``: the product page and the baskets (cart, order confirmation);
- ``personal``: the home page and e-mails, personal when the visitor allows it.
"""

from .personal import (
    country_of,
    home_html,
    home_widgets,
    personal_items,
    personal_or_popular,
    popular_widget,
    recently_viewed_ids,
    stored_for_you,
)
from .product_pages import (
    basket_html,
    basket_widget,
    best_map,
    category_best_sellers,
    product_html,
    product_widgets,
    reasons_title,
)
from .stored import (
    CANDIDATES,
    DEFAULT_COUNTRY,
    Item,
    Widget,
    available,
    neighbours_many,
    popular_ids,
)

__all__ = [
    "CANDIDATES",
    "DEFAULT_COUNTRY",
    "Item",
    "Widget",
    "available",
    "basket_html",
    "basket_widget",
    "best_map",
    "category_best_sellers",
    "country_of",
    "home_html",
    "home_widgets",
    "neighbours_many",
    "personal_items",
    "personal_or_popular",
    "popular_ids",
    "popular_widget",
    "product_html",
    "product_widgets",
    "reasons_title",
    "recently_viewed_ids",
    "stored_for_you",
]
