"""What a receipt says, and the file the customer downloads.

The signed document is canonical JSON: keys sorted, no insignificant whitespace, UTF-8 (not
``\\u`` escapes), amounts as decimal strings in the order's currency (tenge, two places), times
in ISO 8601 with the shop's UTC offset, quantities as integers. Nothing in it is a float, so
anyone who parses the document and writes it back the same way gets the same bytes: a receipt
file carries the document as readable JSON, and the verifier signs nothing it did not see.
"""

import json

from django.conf import settings
from django.utils import timezone

from duken.core.money import quantize

VERSION = 1
# The receipt file's "format" value; a file without it is not a receipt.
FILE_FORMAT = "duken-receipt"


def canonical(document: dict) -> bytes:
    """The exact bytes that are signed."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def amount(value, currency: str) -> str:
    return str(quantize(value, currency))


def moment(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def build_document(order, *, issued_at) -> dict:
    """The receipt of ``order`` (paid) as it is signed."""
    currency = order.currency
    return {
        "version": VERSION,
        "order": order.number,
        "issued_at": moment(issued_at),
        "paid_at": moment(order.paid_at),
        "currency": currency,
        "lines": [
            {
                "name": line.product_name,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": amount(line.unit_price, currency),
                "total": amount(line.line_total, currency),
            }
            for line in order.lines.all()
        ],
        "subtotal": amount(order.subtotal, currency),
        "delivery": {"method": order.delivery_name, "cost": amount(order.shipping_cost, currency)},
        "total": amount(order.total, currency),
        "payment_method": order.payment_method,
        "shop": {
            "name": settings.DUKEN_SHOP_DETAILS["name"],
            "bin": settings.DUKEN_SHOP_DETAILS["bin"],
            "address": settings.DUKEN_SHOP_DETAILS["address"],
            "url": settings.SITE_URL,
        },
    }


def document_of(receipt) -> dict:
    return json.loads(receipt.document)


def receipt_file(receipt) -> dict:
    """The receipt file: the signed document with its signature and the signing key's id."""
    return {
        "format": FILE_FORMAT,
        "receipt": document_of(receipt),
        "signature": receipt.signature,
        "key_id": receipt.key_id,
    }


def receipt_file_bytes(receipt) -> bytes:
    """The receipt file as the customer downloads it (indented: people open it to read it)."""
    text = json.dumps(receipt_file(receipt), ensure_ascii=False, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")


def file_name(receipt, extension: str) -> str:
    return f"receipt-{receipt.order.number}.{extension}"
