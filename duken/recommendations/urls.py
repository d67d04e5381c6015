from django.urls import path

from . import views

app_name = "recommendations"
urlpatterns = [
    path("recommendations/product/<text:ref>/", views.product_json, name="product"),
    path("recommendations/customer/<text:customer_id>/", views.customer_json, name="customer_json"),
    path(
        "staff/recommendations/customer/<text:customer_id>/",
        views.customer_page,
        name="staff_customer",
    ),
]
