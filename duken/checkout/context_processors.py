from . import services


def cart(request):
    """``cart_count`` for the header: one small query, none for visitors without a cart."""
    return {"cart_count": services.header_item_count(request)}
