"""The cart: finding it for a request, changing it, and pricing it in one place.

An anonymous shopper's cart is found through the session key ``cart_token`` (sessions last 90
days); a logged-in customer has at most one open cart, into which the anonymous cart merges on
login. Prices always come from the database, never from what a form posted.
"""

import uuid
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duken.catalog.models import Product

from .models import Cart, CartLine
from .pricing import CartSummary, SummaryLine, cart_summary  # noqa: F401  (part of this API)

SESSION_CART_TOKEN = "cart_token"
MAX_QUANTITY = 999


class CartError(Exception):
    """A cart change that cannot be made; the message is shown to the shopper."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def parse_quantity(value) -> int:
    """A quantity from a form: a whole number from 1 to 999, or ``CartError``."""
    if isinstance(value, bool):
        raise CartError(_("Enter the quantity as a whole number."))
    if isinstance(value, int):
        quantity = value
    else:
        text = str(value if value is not None else "").strip()
        if not text.isdecimal() or not text.isascii():
            if text.startswith("-") and text[1:].isdecimal():
                raise CartError(_("The quantity must be at least 1."))
            raise CartError(_("Enter the quantity as a whole number."))
        if len(text) > 6:
            raise CartError(_("You can order at most %(max)d units.") % {"max": MAX_QUANTITY})
        quantity = int(text)
    if quantity < 1:
        raise CartError(_("The quantity must be at least 1."))
    if quantity > MAX_QUANTITY:
        raise CartError(_("You can order at most %(max)d units.") % {"max": MAX_QUANTITY})
    return quantity


def _parse_product_id(value) -> int:
    text = str(value if value is not None else "").strip()
    if not text.isdecimal() or not text.isascii() or len(text) > 18:
        raise CartError(_("This product is not available."))
    return int(text)


def _limit_for(product: Product) -> int:
    """The most units of a product one cart may hold."""
    if product.is_digital or product.allow_backorder:
        return MAX_QUANTITY
    return min(MAX_QUANTITY, max(product.stock, 0))


def _check_limit(product: Product, quantity: int) -> None:
    if quantity > MAX_QUANTITY:
        raise CartError(_("You can order at most %(max)d units.") % {"max": MAX_QUANTITY})
    limit = _limit_for(product)
    if quantity > limit:
        if limit <= 0:
            raise CartError(_("%(name)s is out of stock.") % {"name": product.name})
        raise CartError(
            _("Only %(count)d units of %(name)s are available.")
            % {"count": limit, "name": product.name}
        )


# --- finding the cart -------------------------------------------------------------------------


def _user_open_cart(user) -> Cart | None:
    return Cart.objects.filter(user=user, status=Cart.Status.OPEN).first()


def _session_cart(session) -> Cart | None:
    token = session.get(SESSION_CART_TOKEN)
    if not token:
        return None
    try:
        token = uuid.UUID(str(token))
    except ValueError:  # a malformed token in an old session
        return None
    return Cart.objects.filter(token=token, status=Cart.Status.OPEN, user__isnull=True).first()


def get_cart(request, *, create: bool = False) -> Cart | None:
    """The request's open cart: the customer's, or the anonymous one in the session."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        cart = _user_open_cart(user)
        if cart is None and create:
            try:
                with transaction.atomic():
                    cart = Cart.objects.create(user=user)
            except IntegrityError:  # another request created it a moment ago
                cart = _user_open_cart(user)
        return cart
    cart = _session_cart(request.session)
    if cart is None and create:
        cart = Cart.objects.create()
        request.session[SESSION_CART_TOKEN] = str(cart.token)
    return cart


# --- changing the cart ------------------------------------------------------------------------


def _active_product(product_id) -> Product:
    product = Product.objects.filter(pk=_parse_product_id(product_id), is_active=True).first()
    if product is None:
        raise CartError(_("This product is not available."))
    return product


TOUCH_EVERY = timedelta(minutes=10)


def _touch(cart: Cart) -> None:
    """Note that the cart is in use (old carts are cleaned up by age); at most one write per
    few minutes, so adding to cart stays cheap."""
    now = timezone.now()
    if cart.updated_at is None or now - cart.updated_at > TOUCH_EVERY:
        Cart.objects.filter(pk=cart.pk).update(updated_at=now)
        cart.updated_at = now


def add_to_cart(cart: Cart, product_id, quantity) -> CartLine:
    """Add ``quantity`` units of a product; raises ``CartError`` and changes nothing when the
    quantity or product is not acceptable."""
    quantity = parse_quantity(quantity)
    # Read before taking the write lock: the product is only checked here (stock is reserved
    # at checkout), and a short write transaction keeps concurrent shoppers from queueing.
    product = _active_product(product_id)
    with transaction.atomic():
        line = CartLine.objects.select_for_update().filter(cart=cart, product=product).first()
        if line is None:
            _check_limit(product, quantity)
            try:
                with transaction.atomic():
                    line = CartLine.objects.create(
                        cart=cart,
                        product=product,
                        product_name=product.name[:200],
                        quantity=quantity,
                    )
            except IntegrityError:
                # The same cart added the same product a moment ago (a double click, two
                # tabs): there was no row to lock then; there is one now, so add to it.
                line = CartLine.objects.select_for_update().get(cart=cart, product=product)
            else:
                _touch(cart)
                return line
        new_quantity = line.quantity + quantity
        _check_limit(product, new_quantity)
        line.product = product
        line.quantity = new_quantity
        line.save(update_fields=["quantity"])
        _touch(cart)
    return line


@transaction.atomic
def set_line_quantity(cart: Cart, product_id, quantity) -> CartLine:
    quantity = parse_quantity(quantity)
    product_id = _parse_product_id(product_id)
    line = (
        CartLine.objects.select_for_update()
        .select_related("product")
        .filter(cart=cart, product_id=product_id)
        .first()
    )
    if line is None:
        raise CartError(_("This product is no longer in your cart."))
    if not line.product.is_active:
        line.delete()
        raise CartError(
            _("%(name)s is no longer sold and was removed from your cart.")
            % {"name": line.product.name}
        )
    _check_limit(line.product, quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    _touch(cart)
    return line


def remove_from_cart(cart: Cart, product_id) -> None:
    try:
        product_id = _parse_product_id(product_id)
    except CartError:
        return
    CartLine.objects.filter(cart=cart, product_id=product_id).delete()
    _touch(cart)


# --- pricing (in ``pricing``, part of this API) and the header's count ---------------------------

_HEADER_COUNT_SQL = {
    # Runs on every page, so it is written out: compiling the equivalent ORM query costs a
    # hundred times more than running it.
    "user": """
        SELECT SUM(l.quantity) FROM checkout_cartline l
        JOIN checkout_cart c ON c.id = l.cart_id
        JOIN catalog_product p ON p.id = l.product_id
        WHERE c.user_id = %s AND c.status = 'open' AND p.is_active""",
    "token": """
        SELECT SUM(l.quantity) FROM checkout_cartline l
        JOIN checkout_cart c ON c.id = l.cart_id
        JOIN catalog_product p ON p.id = l.product_id
        WHERE c.token = %s AND c.user_id IS NULL AND c.status = 'open' AND p.is_active""",
}


def header_item_count(request) -> int:
    """The header's item count, in one small query, and none for a visitor without a cart.

    It is read from the cart on every page rather than remembered in the session: adding to
    the cart then writes only the cart, and a change made on another device shows at once."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        sql, param = _HEADER_COUNT_SQL["user"], user.pk
    else:
        session = getattr(request, "session", None)
        token = session.get(SESSION_CART_TOKEN) if session is not None else None
        try:
            token = uuid.UUID(str(token)) if token else None
        except ValueError:
            return 0
        if token is None:
            return 0
        sql = _HEADER_COUNT_SQL["token"]
        param = Cart._meta.get_field("token").get_db_prep_value(token, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [param])
        row = cursor.fetchone()
    return int(row[0] or 0)


# --- login ------------------------------------------------------------------------------------


@transaction.atomic
def merge_anonymous_cart(request, user) -> Cart | None:
    """Fold the session's anonymous cart into the customer's open cart (on login).

    Quantities of the same product are added, capped at what one cart may hold."""
    session = request.session
    anonymous = _session_cart(session)
    session.pop(SESSION_CART_TOKEN, None)
    if anonymous is None:
        return _user_open_cart(user)
    anonymous = Cart.objects.select_for_update().get(pk=anonymous.pk)
    own = Cart.objects.select_for_update().filter(user=user, status=Cart.Status.OPEN).first()
    if own is None:
        anonymous.user = user
        anonymous.save(update_fields=["user", "updated_at"])
        return anonymous
    existing = {line.product_id: line for line in own.lines.select_related("product")}
    for line in anonymous.lines.select_related("product"):
        product = line.product
        if product is None or not product.is_active:
            continue
        target = existing.get(product.pk)
        wanted = line.quantity + (target.quantity if target else 0)
        quantity = min(wanted, _limit_for(product))
        if quantity < 1:
            continue
        if target is None:
            CartLine.objects.create(
                cart=own, product=product, product_name=product.name[:200], quantity=quantity
            )
        elif quantity != target.quantity:
            target.quantity = quantity
            target.save(update_fields=["quantity"])
    anonymous.status = Cart.Status.MERGED
    anonymous.save(update_fields=["status", "updated_at"])
    _touch(own)
    return own


# Carts that are spent (merged or ordered) are kept this long for support questions.
SPENT_CART_DAYS = 30


def purge_stale_carts(now=None) -> dict[str, int]:
    """Delete the carts nobody can reach or needs any more: anonymous open carts untouched for
    longer than a session lives (``SESSION_COOKIE_AGE``: their visitor's cookie is gone) and
    merged or ordered carts older than ``SPENT_CART_DAYS`` (an order keeps its own lines).
    A customer's open cart is never deleted. Returns how many of each were deleted."""
    from django.conf import settings

    now = now or timezone.now()
    abandoned_before = now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    spent_before = now - timedelta(days=SPENT_CART_DAYS)
    _total, abandoned = Cart.objects.filter(
        status=Cart.Status.OPEN, user__isnull=True, updated_at__lt=abandoned_before
    ).delete()
    _total, spent = Cart.objects.filter(
        status__in=[Cart.Status.MERGED, Cart.Status.ORDERED], updated_at__lt=spent_before
    ).delete()
    label = Cart._meta.label
    return {"abandoned": abandoned.get(label, 0), "spent": spent.get(label, 0)}
