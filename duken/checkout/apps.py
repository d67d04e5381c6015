from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "duken.checkout"
    label = "checkout"
