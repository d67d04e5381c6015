from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "duken.orders"
    label = "orders"
