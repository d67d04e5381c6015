from django.urls import path

from .views import catalog

app_name = "storefront"
urlpatterns = [
    # catalog and search (views/catalog.py)
    path("", catalog.home, name="home"),
    # account (views/account.py)
    # cart and checkout (views/cart.py, views/checkout.py)
]
