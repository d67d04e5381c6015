"""The product page's "Save" and "Tell me when it is back" buttons. What is personal (is it on
my wishlist, am I waiting for it) costs one small query, and only for signed-in customers."""

from django import template
from django.db import connection

from ..models import BackInStockRequest, WishlistItem

register = template.Library()

_STATE_SQL = (
    "SELECT EXISTS(SELECT 1 FROM {wishlist} WHERE customer_id = %s AND product_id = %s),"
    " EXISTS(SELECT 1 FROM {waiting} WHERE customer_id = %s AND product_id = %s"
    " AND notified_at IS NULL)"
)


@register.simple_tag(takes_context=True)
def needs_state(context, product) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or product is None:
        return {"saved": False, "waiting": False}
    sql = _STATE_SQL.format(
        wishlist=connection.ops.quote_name(WishlistItem._meta.db_table),
        waiting=connection.ops.quote_name(BackInStockRequest._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, product.pk, user.pk, product.pk])
        saved, waiting = cursor.fetchone()
    return {"saved": bool(saved), "waiting": bool(waiting)}
