""" "What we remember about you": what the customer told us about themselves, their wishlist and
the products they asked us to tell them about, each forgettable by the customer."""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from duken.customers import facts
from duken.customers.models import CustomerFact
from duken.privacy.memory import Item, Section, register_provider

from .models import BackInStockRequest, ProductRequest, WishlistItem

FACT_PREFIX = "toldus"
WISHLIST_PREFIX = "wishlist"
BACK_IN_STOCK_PREFIX = "backinstock"
PRODUCT_REQUEST_PREFIX = "productrequest"


def _date(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "j E Y")


def _pk(key: str) -> int | None:
    try:
        pk = int(key.split(":", 1)[1])
    except (IndexError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None


def fact_items(user, forgotten):
    for fact in facts.facts_for(user)[:200]:
        yield Item(
            key=f"{FACT_PREFIX}:{fact.pk}",
            section=Section.FACTS,
            title=_("You told us"),
            value=fact.text,
            reason=_("You told us %(where)s on %(date)s; we use it to serve you as you asked.")
            % {"where": facts.where_said(fact), "date": _date(fact.said_at)},
            correct_url=reverse("needs:facts"),
            forgettable=True,
            occurred_at=fact.said_at,
        )


def forget_fact(user, key):
    return CustomerFact.objects.filter(customer=user, pk=_pk(key)).delete()


def need_items(user, forgotten):
    for item in WishlistItem.objects.filter(customer=user).select_related("product")[:200]:
        yield Item(
            key=f"{WISHLIST_PREFIX}:{item.pk}",
            section=Section.INTERESTS,
            title=_("On your wishlist: %(name)s") % {"name": item.product.name},
            reason=_("You saved it on %(date)s.") % {"date": _date(item.added_at)},
            url=item.product.get_absolute_url(),
            forgettable=True,
            forget_label=_("Remove"),
            occurred_at=item.added_at,
        )
    waiting = (
        BackInStockRequest.objects.filter(customer=user, notified_at__isnull=True)
        .select_related("product")
        .order_by("-created_at")[:200]
    )
    for request in waiting:
        yield Item(
            key=f"{BACK_IN_STOCK_PREFIX}:{request.pk}",
            section=Section.SUBSCRIPTIONS,
            title=_("Tell me when it is back: %(name)s") % {"name": request.product.name},
            reason=_("You asked on %(date)s; we e-mail you once when it is back in stock.")
            % {"date": _date(request.created_at)},
            url=request.product.get_absolute_url(),
            forgettable=True,
            forget_label=_("Cancel"),
            occurred_at=request.created_at,
        )
    for request in ProductRequest.objects.filter(customer=user)[:200]:
        yield Item(
            key=f"{PRODUCT_REQUEST_PREFIX}:{request.pk}",
            section=Section.ACTIVITY,
            title=_("You asked us for"),
            value=request.text,
            reason=_("You wrote it on %(date)s; it helps us choose what to sell.")
            % {"date": _date(request.created_at)},
            forgettable=True,
            occurred_at=request.created_at,
        )


def forget_wishlist(user, key):
    return WishlistItem.objects.filter(customer=user, pk=_pk(key)).delete()


def forget_back_in_stock(user, key):
    from duken.conversations import promises

    request = BackInStockRequest.objects.filter(
        customer=user, pk=_pk(key), notified_at__isnull=True
    ).first()
    if request is None:
        return None
    if request.promise is not None and request.promise.status == "open":
        try:
            promises.dismiss_promise(request.promise, user, _("Withdrawn by the customer"))
        except promises.PromiseClosed:
            pass
    return request.delete()


def forget_product_request(user, key):
    from duken.conversations import promises

    request = ProductRequest.objects.filter(customer=user, pk=_pk(key)).first()
    if request is None:
        return None
    if request.promise is not None and request.promise.status == "open":
        try:
            promises.dismiss_promise(request.promise, user, _("Withdrawn by the customer"))
        except promises.PromiseClosed:
            pass
    return request.delete()


def register() -> None:
    register_provider(
        Section.FACTS, fact_items, name="told-us", prefix=FACT_PREFIX, forget=forget_fact
    )
    register_provider(
        Section.INTERESTS,
        need_items,
        name="needs",
        prefix=WISHLIST_PREFIX,
        forget=forget_wishlist,
    )
    from duken.privacy.memory import register_forget

    register_forget(BACK_IN_STOCK_PREFIX, forget_back_in_stock)
    register_forget(PRODUCT_REQUEST_PREFIX, forget_product_request)
