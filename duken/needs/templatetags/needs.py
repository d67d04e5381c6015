"""The product page's "Save" and "Tell me when it is back" buttons. What is personal (is it on
my wishlist, am I waiting for it) costs one small query, and only for signed-in customers."""

from django import template
from django.db.models import Exists, OuterRef

from ..models import BackInStockRequest, WishlistItem

register = template.Library()


@register.simple_tag(takes_context=True)
def needs_state(context, product) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"saved": False, "waiting": False}
    from django.contrib.auth import get_user_model

    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            saved=Exists(WishlistItem.objects.filter(customer=OuterRef("pk"), product=product)),
            waiting=Exists(
                BackInStockRequest.objects.filter(
                    customer=OuterRef("pk"), product=product, notified_at__isnull=True
                )
            ),
        )
        .values("saved", "waiting")
        .first()
    )
    return row or {"saved": False, "waiting": False}
