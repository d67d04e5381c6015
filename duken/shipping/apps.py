from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "duken.shipping"
    label = "shipping"
