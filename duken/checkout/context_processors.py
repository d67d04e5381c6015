from . import services


def cart(request):
    """``cart_count`` for the header. The count is cached in the session, so a page costs no
    cart query unless the cart changed; visitors without a cart never get a session."""
    session = getattr(request, "session", None)
    if session is None:
        return {"cart_count": 0}
    count = session.get(services.SESSION_CART_COUNT)
    if count is None:
        user = getattr(request, "user", None)
        authenticated = user is not None and user.is_authenticated
        if not authenticated and services.SESSION_CART_TOKEN not in session:
            return {"cart_count": 0}
        count = services.cart_item_count(services.get_cart(request))
        services.remember_count(request, count)
    return {"cart_count": count}
