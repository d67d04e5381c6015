"""The database of needs: the wishlist, "tell me when it is back" and "can't find it? tell us".

A back-in-stock request and a product request each open a promise in the staff inbox. When a
product is in stock again (an admin edit, an import, a cancelled order's units put back) the
waiting requests are answered by ``notify_back_in_stock``: each customer gets one e-mail, sent
through the promise that quotes their request; running it twice sends nothing more. A guest's
request waits, un-notified, until the guest confirmed their address
(``duken.conversations.guest_addresses``); confirming answers it if the product is back."""

import logging

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from duken.catalog.models import Product
from duken.catalog.search import normalize_query
from duken.conversations import guest_addresses, promises
from duken.conversations.emails import promise_language
from duken.conversations.models import Promise

from .models import REQUEST_TEXT_MAX, BackInStockRequest, ProductRequest, WishlistItem

logger = logging.getLogger(__name__)


# --- wishlist -------------------------------------------------------------------------------


def add_to_wishlist(customer, product) -> tuple[WishlistItem, bool]:
    """Save ``product`` for ``customer``; saving it twice keeps one entry."""
    try:
        with transaction.atomic():
            return WishlistItem.objects.get_or_create(customer=customer, product=product)
    except IntegrityError:  # saved at the same moment by another request
        return WishlistItem.objects.get(customer=customer, product=product), False


def remove_from_wishlist(customer, product_id) -> bool:
    # Matched on the product's own key, which takes an id too large for the database as no
    # product; SQLite refuses one on the foreign key column (OverflowError).
    deleted, _rows = WishlistItem.objects.filter(customer=customer, product__pk=product_id).delete()
    return bool(deleted)


def wishlist(customer):
    return (
        WishlistItem.objects.filter(customer=customer, product__is_active=True)
        .select_related("product")
        .order_by("-added_at", "-pk")
    )


# --- back in stock --------------------------------------------------------------------------


def clean_email(email) -> str:
    email = (email or "").strip()
    if not email:
        raise ValidationError(_("Enter your e-mail address so we can tell you."))
    if len(email) > 254:
        raise ValidationError(_("This e-mail address is too long."))
    validate_email(email)
    return email.lower()


def waiting_requests():
    return BackInStockRequest.objects.filter(notified_at__isnull=True)


def request_back_in_stock(
    product, *, customer=None, email="", language="", visitor=""
) -> tuple[BackInStockRequest, bool]:
    """Ask to be told when ``product`` is back; a second ask while waiting changes nothing.
    Guests give an ``email``, used only once confirmed from their browser ``visitor`` (the
    confirmation link goes out with the first ask). Opens a promise of kind back_in_stock."""
    if customer is None:
        email = clean_email(email)
    else:
        email = ""
    language = language or getattr(customer, "language", "") or translation.get_language() or ""
    waiting = waiting_requests().filter(product=product)
    waiting = (
        waiting.filter(customer=customer)
        if customer
        else waiting.filter(customer__isnull=True, email=email)
    )
    address = guest_addresses.address_for(email, visitor, language) if email else None
    existing = waiting.select_related("promise__guest_address").first()
    if existing is not None:
        _ask_from(existing, address)
        return existing, False
    try:
        with transaction.atomic():
            request = BackInStockRequest.objects.create(
                customer=customer, email=email, product=product, language=language[:8]
            )
            request.promise = promises.open_promise(
                Promise.Kind.BACK_IN_STOCK,
                words=product.name,
                customer=customer,
                email=email,
                guest_address=address,
                target=request,
                said_at=request.created_at,
                said_where=_("Product page"),
                language=language,
            )
            request.save(update_fields=["promise"])
            guest_addresses.ask_to_confirm(address)
    except IntegrityError:  # the same ask at the same moment
        return waiting.get(), False
    return request, True


def _ask_from(request: BackInStockRequest, address) -> None:
    """A guest's address asks again for a request it waits for: when the browser that asked
    first never confirmed it, the request waits for this browser's confirmation instead."""
    promise = request.promise
    if address is None or promise is None or promise.guest_address_id == address.pk:
        guest_addresses.ask_to_confirm(address)
        return
    current = promise.guest_address
    if current is None or not current.is_confirmed:
        Promise.objects.filter(pk=promise.pk).update(guest_address=address)
        promise.guest_address = address
    guest_addresses.ask_to_confirm(address)


def back_in_stock_reply(product) -> str:
    return _("Good news: %(product)s is back in stock. Order it while it lasts.") % {
        "product": product.name
    }


def notify_back_in_stock(product_id: int) -> int:
    """Answer every request waiting for a product that is in stock now: close its promise with
    a reply (which e-mails the customer once, quoting their request). Returns how many were
    answered; a second run finds none waiting and sends nothing."""
    product = Product.objects.filter(pk=product_id, is_active=True).first()
    if product is None or not product.in_stock:
        return 0
    answered = 0
    requests = waiting_requests().filter(product=product)
    for request in requests.select_related("promise__customer", "promise__guest_address"):
        if request.promise is not None and not request.promise.recipient:
            continue  # a guest's address not confirmed yet: the request keeps waiting
        with transaction.atomic():
            claimed = BackInStockRequest.objects.filter(
                pk=request.pk, notified_at__isnull=True
            ).update(notified_at=timezone.now())
            if not claimed:
                continue
            promise = request.promise
            if promise is None or promise.status != Promise.Status.OPEN:
                continue
            with translation.override(promise_language(promise)):
                reply = back_in_stock_reply(product)
            try:
                promises.close_promise(promise, reply, None)
            except promises.PromiseClosed:
                continue
            answered += 1
    return answered


def products_waiting(product_ids) -> list[int]:
    """Of ``product_ids``, those in stock with someone waiting for them."""
    ids = [int(pk) for pk in product_ids]
    if not ids:
        return []
    return list(
        waiting_requests()
        .filter(product_id__in=ids, product__stock__gt=0, product__is_active=True)
        .values_list("product_id", flat=True)
        .distinct()
    )


def stock_may_have_returned(product_ids) -> None:
    """Called whenever stock may have gone up: queue the notices once the change is durable."""
    for product_id in products_waiting(product_ids):
        transaction.on_commit(lambda pk=product_id: _enqueue(pk), robust=True)


def _enqueue(product_id: int) -> None:
    from .tasks import notify_back_in_stock_task

    notify_back_in_stock_task.enqueue(product_id)


def notify_all_waiting() -> int:
    """Answer every waiting request whose product is back (a sweep after bulk stock changes
    that bypass the model, e.g. a raw SQL update)."""
    ids = (
        waiting_requests()
        .filter(product__stock__gt=0, product__is_active=True)
        .values_list("product_id", flat=True)
        .distinct()
    )
    return sum(notify_back_in_stock(pk) for pk in list(ids))


# --- product requests -----------------------------------------------------------------------


def clean_request_text(text) -> str:
    text = str(text or "").replace("\x00", "").strip()
    if len(text) < 3:
        raise ValidationError(_("Tell us in a few words what you are looking for."))
    if len(text) > REQUEST_TEXT_MAX:
        raise ValidationError(
            _("Please keep it to %(max)d characters (it has %(count)d).")
            % {"max": REQUEST_TEXT_MAX, "count": len(text)}
        )
    return text


def request_product(
    text, *, customer=None, email="", query="", language="", visitor=""
) -> ProductRequest:
    """Keep a "can't find it" request and open a promise of kind product_request. Guests may
    leave an ``email`` for the answer, used once confirmed from their browser ``visitor``."""
    text = clean_request_text(text)
    if customer is None and (email or "").strip():
        email = clean_email(email)
    else:
        email = ""
    language = language or getattr(customer, "language", "") or translation.get_language() or ""
    query = str(query or "").replace("\x00", "")[:200]
    with transaction.atomic():
        address = guest_addresses.address_for(email, visitor, language) if email else None
        request = ProductRequest.objects.create(
            customer=customer,
            email=email,
            text=text,
            normalized=(normalize_query(text) or text.lower())[:200],
            query=query,
            language=language[:8],
        )
        request.promise = promises.open_promise(
            Promise.Kind.PRODUCT_REQUEST,
            words=text,
            customer=customer,
            email=email,
            guest_address=address,
            target=request,
            said_at=request.created_at,
            said_where=_("Search: %(query)s") % {"query": query} if query else _("Request form"),
            language=language,
        )
        request.save(update_fields=["promise"])
        guest_addresses.ask_to_confirm(address)
    return request


def address_confirmed(sender, address, **kwargs) -> None:
    """A guest confirmed their address: their requests for products in stock are answered."""
    product_ids = waiting_requests().filter(promise__guest_address=address)
    stock_may_have_returned(product_ids.values_list("product_id", flat=True))


_STATE_SQL = (
    "SELECT EXISTS(SELECT 1 FROM {wishlist} WHERE customer_id = %s AND product_id = %s),"
    " EXISTS(SELECT 1 FROM {waiting} WHERE customer_id = %s AND product_id = %s"
    " AND notified_at IS NULL)"
)


def product_state(user, product) -> dict:
    """Whether ``user`` saved ``product`` and waits for it to be back: one small query, and
    only for a signed-in customer (the product page asks on every view)."""
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
