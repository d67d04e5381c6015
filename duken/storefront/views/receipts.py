"""Receipts on the storefront. The customer's receipt of a paid order (a printable page, the
PDF and the signed receipt file) is seen by whoever may see the order: its owner, the guest's
browser that placed it, staff who may view orders (once their session passed the second factor); anyone else gets
404. The verification page
is public."""

import logging

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from duken.core import second_factor
from duken.orders.models import Receipt
from duken.orders.receipts import documents, rendering, verification

from .account import payment_method_name
from .checkout import may_see_order

logger = logging.getLogger(__name__)


def _receipt(request, number) -> Receipt:
    receipt = Receipt.objects.select_related("order").filter(order__number=number).first()
    if receipt is None:
        raise Http404
    # Staff see any receipt only in a session that passed the second factor.
    staff = second_factor.is_verified_staff(request.user)
    if not (
        may_see_order(request, receipt.order)
        or (staff and request.user.has_perm("orders.view_order"))
    ):
        raise Http404
    return receipt


def _context(receipt) -> dict:
    name = payment_method_name(receipt.order.payment_method)
    return rendering.receipt_context(receipt, payment_method_name=name)


def _private(response, *, filename: str, attachment: bool) -> HttpResponse:
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def receipt(request, number):
    receipt = _receipt(request, number)
    return render(request, "storefront/receipt.html", _context(receipt))


@require_GET
def receipt_pdf(request, number):
    receipt = _receipt(request, number)
    try:
        pdf = rendering.render_pdf(receipt, _context(receipt))
    except rendering.PdfUnavailable:
        logger.exception("receipt PDF unavailable: install Pango (libpango-1.0-0)")
        context = {**_context(receipt), "pdf_unavailable": True}
        return render(request, "storefront/receipt.html", context, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    return _private(response, filename=documents.file_name(receipt, "pdf"), attachment=False)


@require_GET
def receipt_file(request, number):
    receipt = _receipt(request, number)
    data = documents.receipt_file_bytes(receipt)
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    return _private(response, filename=documents.file_name(receipt, "json"), attachment=True)


def _verify_page(request, *, status=200, **context):
    return render(request, "storefront/receipt_verify.html", context, status=status)


def _submitted_receipt(request) -> bytes:
    upload = request.FILES.get("file")
    if upload is not None:
        return upload.read(verification.MAX_FILE_BYTES + 1)
    return request.POST.get("text", "").encode("utf-8")


@require_http_methods(["GET", "POST"])
def receipt_verify(request):
    """Anyone checks a receipt here: a receipt file uploaded or pasted, or the QR code's link
    (``?r=``) to a receipt the shop issued. Says valid or not, and what was altered."""
    if request.method == "POST":
        data = _submitted_receipt(request)
        if not data.strip():
            error = _("Choose a receipt file or paste its contents.")
            return _verify_page(request, status=400, error=error)
        try:
            checked = verification.read_receipt_file(data)
        except verification.ReceiptFileError as exc:
            return _verify_page(request, status=400, error=exc.message)
        verdict = verification.verify(checked)
        # Only the genuine receipt is shown; an altered one is described, never displayed.
        shown = _context(verdict.stored) if verdict.valid else {}
        return _verify_page(request, verdict=verdict, **shown)
    code = request.GET.get("r", "").replace("\x00", "")
    if not code:
        return _verify_page(request)
    receipt = Receipt.objects.select_related("order").filter(code=code[:64]).first()
    if receipt is None:
        error = _("The shop has issued no receipt with this code. Check the address you scanned.")
        return _verify_page(request, status=404, error=error)
    verdict = verification.verify_stored(receipt)
    return _verify_page(request, verdict=verdict, **_context(receipt))
