from django.urls import path

from . import views

app_name = "needs"
urlpatterns = [
    path("products/<int:product_id>/save/", views.wishlist_add, name="wishlist_add"),
    path("products/<int:product_id>/unsave/", views.wishlist_remove, name="wishlist_remove"),
    path("products/<int:product_id>/notify/", views.back_in_stock, name="back_in_stock"),
    path("tell-us/", views.tell_us, name="tell_us"),
    path("account/wishlist/", views.wishlist, name="wishlist"),
    path("account/facts/", views.my_facts, name="facts"),
    path("account/facts/<int:pk>/", views.fact_edit, name="fact_edit"),
    path("account/facts/<int:pk>/delete/", views.fact_delete, name="fact_delete"),
]
