from django.core import signing
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from duken.core.files import download_name, download_response

from . import downloads
from .receipts import keyring


def _refuse(request, status, title, message):
    return render(
        request,
        "orders/download_error.html",
        {"title": title, "message": message},
        status=status,
    )


@require_GET
def download(request, token):
    """Stream a digital product's file to whoever holds a valid, unexpired link."""
    try:
        line = downloads.resolve_download(token)
    except signing.SignatureExpired:
        return _refuse(
            request,
            410,
            _("This download link has expired"),
            _("Open the order in your account to get a fresh link."),
        )
    except signing.BadSignature:
        return _refuse(
            request,
            403,
            _("This download link is not valid"),
            _("The link is incomplete or was changed. Use the link from your order."),
        )
    except downloads.DownloadUnavailable as exc:
        return _refuse(request, 403, _("The download is not available"), str(exc))
    product = line.product
    try:
        return download_response(
            product.digital_file, filename=download_name(product.name, product.digital_file.name)
        )
    except FileNotFoundError:
        return _refuse(
            request,
            404,
            _("The file is missing"),
            _("Please contact us; we will send you the file."),
        )


@require_GET
def receipt_keys(request):
    """Every public key that ever signed a receipt of this shop, as JSON."""
    response = JsonResponse(keyring.published_document(), json_dumps_params={"indent": 2})
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def receipt_keys_pem(request):
    response = HttpResponse(keyring.published_pem(), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response
