from django.urls import path

from . import views

app_name = "recommendations"
urlpatterns = [
    path("recommendations/product/<str:ref>/", views.product_json, name="product"),
    path("recommendations/customer/<str:customer_id>/", views.customer_json, name="customer_json"),
    path(
        "staff/recommendations/customer/<str:customer_id>/",
        views.customer_page,
        name="staff_customer",
    ),
]
