"""The receipt shown to people: its page's context, the verification QR code and the PDF.

Everything shown comes from the signed document itself, not from the order as it is now, so
the page and the PDF say exactly what the signature covers."""

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from .documents import document_of, file_name, receipt_file_bytes


def verify_url(receipt) -> str:
    """The public page that shows the shop's verification of this receipt (the QR code)."""
    query = urlencode({"r": receipt.code})
    return f"{settings.SITE_URL.rstrip('/')}{reverse('storefront:receipt_verify')}?{query}"


def qr_data_uri(url: str) -> str:
    """The QR code as a PNG image, one module = 4 px (printers and the PDF keep it sharp)."""
    return segno.make(url, error="m").png_data_uri(scale=4, border=2)


def document_context(document: dict, *, payment_method_name: str = "") -> dict:
    """What the receipt templates show of a signed (genuine) document."""
    return {
        "doc": document,
        "currency": document["currency"],
        "issued_at": parse_datetime(document["issued_at"]),
        "paid_at": parse_datetime(document["paid_at"]),
        "payment_method_name": payment_method_name or document["payment_method"],
    }


def receipt_context(receipt, *, payment_method_name: str = "") -> dict:
    url = verify_url(receipt)
    return {
        **document_context(document_of(receipt), payment_method_name=payment_method_name),
        "receipt": receipt,
        "verify_url": url,
        "qr": qr_data_uri(url),
    }


class PdfUnavailable(Exception):
    """This server cannot make PDFs (Pango, which WeasyPrint needs, is not installed)."""


def render_pdf(receipt, context: dict) -> bytes:
    """The receipt as a PDF, with the receipt file (document, signature, key id) attached."""
    # WeasyPrint loads Pango when imported: only the PDF needs it, not every process start.
    try:
        from weasyprint import HTML, Attachment
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(str(exc)) from exc

    name = file_name(receipt, "json")
    html = render_to_string(
        "orders/receipts/receipt_pdf.html", {**context, "attachment_name": name}
    )
    attachment = Attachment(
        string=receipt_file_bytes(receipt),
        name=name,
        description="Signed receipt (canonical JSON document, Ed25519 signature, key id)",
        relationship="Source",
    )
    # The document needs nothing from outside (the QR code is inline): fetch nothing.
    page = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"}))
    return page.write_pdf(attachments=[attachment])
