from django.contrib import messages
from django.core import signing
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from . import callbacks, sandbox, services
from .models import Payment, SandboxCharge
from .providers.sandbox import read_session


@csrf_exempt  # server to server: authenticity is the HMAC signature, not a browser cookie
@require_POST
def callback(request, provider):
    outcome = callbacks.handle_callback(provider, request)
    body = {"accepted": outcome.accepted, "reason": outcome.reason}
    if not outcome.accepted:
        body["error"] = outcome.reason
    return JsonResponse(body, status=outcome.status_code)


def _payment(token) -> Payment:
    try:
        return services.payment_for_access(token)
    except Payment.DoesNotExist:
        raise Http404(_("No such payment.")) from None


def _confirmation_url(order):
    try:
        return reverse("storefront:order_confirmation", args=[order.number])
    except NoReverseMatch:
        return None


@never_cache
def status(request, token):
    """Where the buyer lands back from the payment page, and the place to retry."""
    payment = callbacks.apply_return(_payment(token), request)
    order = payment.order
    if payment.status == Payment.Status.SUCCEEDED or order.paid_at is not None:
        url = _confirmation_url(order)
        if url:
            return redirect(url)
    instructions = None
    if payment.status == Payment.Status.PENDING and payment.provider != "card":
        instructions = services.payment_instructions(order)
    context = {
        "payment": payment,
        "order": order,
        "token": token,
        "instructions": instructions,
        "methods": services.payment_methods(order),
        "can_retry": order.paid_at is None and order.status == "awaiting_payment",
        "waiting": payment.status == Payment.Status.PENDING and payment.provider == "card",
        "refresh_url": services.payment_status_url(payment),
        "confirmation_url": _confirmation_url(order),
    }
    return render(request, "payments/status.html", context)


@require_POST
def retry(request, token):
    """Pay again (a new card attempt) or switch to another method."""
    payment = _payment(token)
    order = payment.order
    code = request.POST.get("method") or order.payment_method
    try:
        services.switch_payment_method(order, code)
        start = services.start_payment(order, request=request)
    except services.PaymentError as exc:
        messages.error(request, exc.message)
        return redirect(services.payment_status_url(payment))
    if start.redirect_url:
        return redirect(start.redirect_url)
    if start.payment.provider == "cash_on_delivery":
        url = _confirmation_url(order)
        if url:
            return redirect(url)
    return redirect(services.payment_status_url(start.payment))


# --- the sandbox gateway's hosted page (plays the external provider) ---------------------


def _session_or_error(request, token):
    try:
        return read_session(token), None
    except signing.BadSignature:
        response = render(
            request,
            "payments/sandbox_page.html",
            {"invalid": True},
            status=400,
        )
        return None, response


@never_cache
@sensitive_post_parameters("number", "expiry", "cvc")
@require_http_methods(["GET", "POST"])
def sandbox_page(request, token):
    session, error = _session_or_error(request, token)
    if error:
        return error
    existing = SandboxCharge.objects.filter(idempotency_key=session["idempotency_key"]).first()
    if existing is not None:
        # Already charged: never twice. Send the buyer back with the first outcome.
        return redirect(sandbox.return_url_for(session, existing))
    errors = {}
    if request.method == "POST":
        if "cancel" in request.POST:
            result = sandbox.charge(session, SandboxCharge.Outcome.CANCELLED)
            return redirect(result.return_url)
        try:
            outcome = sandbox.card_outcome(
                request.POST.get("number", ""),
                request.POST.get("expiry", ""),
                request.POST.get("cvc", ""),
            )
        except sandbox.CardError as exc:
            errors[exc.field] = exc.message
        else:
            result = sandbox.charge(session, outcome)
            return redirect(result.return_url)
    context = {
        "session": session,
        "errors": errors,
        # The number is never echoed back; expiry and name are harmless to keep.
        "expiry": request.POST.get("expiry", "") if request.method == "POST" else "",
        "holder": request.POST.get("holder", "") if request.method == "POST" else "",
        "test_cards": [
            ("4242 4242 4242 4242", _("payment succeeds")),
            ("4000 0000 0000 0002", _("payment is declined")),
            ("4000 0000 0000 0119", _("no answer: the payment times out")),
        ],
    }
    return render(request, "payments/sandbox_page.html", context, status=422 if errors else 200)
