"""Digital products: signed, expiring download links for the lines of paid orders.

The files themselves are private (``duken.core.files``): only ``views.download`` hands them out,
after ``resolve_download`` checked the link's signature, its age and the order's payment.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import OrderLine

# An order's files may be downloaded once its money has arrived and for as long as the
# order stands (not after cancellation, return or refund).
PAID_STATUSES = frozenset({"paid", "packed", "shipped", "delivered", "completed"})
# Unchanged since the links were made by the shipping app, so links already mailed still work.
DOWNLOAD_SALT = "duken.shipping.download"


class DownloadUnavailable(Exception):
    """No download for this order line (not digital, no file, or the order is not paid)."""


def download_max_age() -> int:
    return int(getattr(settings, "DUKEN_DOWNLOAD_MAX_AGE", 7 * 24 * 3600))


def order_is_paid(order) -> bool:
    """Paid and still standing (a cash-on-delivery order on its way is not paid yet)."""
    return order.status in PAID_STATUSES and getattr(order, "paid_at", None) is not None


def download_url(order_line, *, absolute: bool = False) -> str:
    """A signed link to the line's file that works for ``DUKEN_DOWNLOAD_MAX_AGE`` seconds
    (7 days by default). Only for digital products with a file, in paid orders."""
    product = order_line.product
    if product is None or not product.is_digital or not product.digital_file:
        raise DownloadUnavailable(_("This item has no file to download."))
    if not order_is_paid(order_line.order):
        raise DownloadUnavailable(_("The download becomes available once the order is paid."))
    token = signing.TimestampSigner(salt=DOWNLOAD_SALT).sign_object(
        {"line": order_line.pk, "order": order_line.order.number}
    )
    path = reverse("orders:download", args=[token])
    return settings.SITE_URL.rstrip("/") + path if absolute else path


def downloads_for(order, *, absolute: bool = False) -> list[tuple]:
    """``(line, url)`` for every downloadable line of a paid order; empty otherwise."""
    if not order_is_paid(order):
        return []
    result = []
    for line in order.lines.select_related("product", "order"):
        product = line.product
        if product is not None and product.is_digital and product.digital_file:
            result.append((line, download_url(line, absolute=absolute)))
    return result


def resolve_download(token: str):
    """The order line a download token grants, after checking signature, age and payment.

    Raises ``signing.SignatureExpired``, ``signing.BadSignature`` or ``DownloadUnavailable``.
    """
    data = signing.TimestampSigner(salt=DOWNLOAD_SALT).unsign_object(
        token, max_age=download_max_age()
    )
    try:
        line = OrderLine.objects.select_related("order", "product").get(
            pk=data["line"], order__number=data["order"]
        )
    except (OrderLine.DoesNotExist, KeyError, TypeError) as exc:
        raise signing.BadSignature("unknown order line") from exc
    if not order_is_paid(line.order):
        raise DownloadUnavailable(_("The download becomes available once the order is paid."))
    product = line.product
    if product is None or not product.is_digital or not product.digital_file:
        raise DownloadUnavailable(_("This item has no file to download."))
    return line
