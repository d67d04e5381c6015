from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("download/<text:token>/", views.download, name="download"),
    path("receipts/keys/", views.receipt_keys, name="receipt_keys"),
    path("receipts/keys.pem", views.receipt_keys_pem, name="receipt_keys_pem"),
]
