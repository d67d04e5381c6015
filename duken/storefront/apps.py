from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "duken.storefront"
    label = "storefront"
