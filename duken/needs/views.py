"""Shopper-facing pages: save a product to the wishlist, "tell me when it is back", "can't find
what you want? tell us", and the account pages "My wishlist" and "What you told us"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duken.catalog.models import Product
from duken.conversations import guest_addresses, ratelimit
from duken.core.redirects import safe_next
from duken.customers import facts
from duken.customers.models import CustomerFact
from duken.interactions.models import Kind
from duken.interactions.services import record

from . import services
from .forms import BackInStockForm, FactForm, ProductRequestForm


def _product(product_id: int) -> Product:
    return get_object_or_404(Product, pk=product_id, is_active=True)


def _refuse(request, message: str, status: int):
    return render(request, "conversations/refusal.html", {"message": message}, status=status)


def _rate_limited(request):
    return _refuse(
        request,
        _("You are sending messages too quickly. Please wait a minute and try again."),
        429,
    )


# --- wishlist -------------------------------------------------------------------------------


@login_required
def wishlist_add(request, product_id: int):
    product = _product(product_id)
    if request.method != "POST":
        # A guest who clicked "Save" lands here after logging in: back to the product.
        return redirect(product.get_absolute_url())
    try:
        ratelimit.check(request, "wishlist")
    except ratelimit.RateLimited:
        return _rate_limited(request)
    _item, created = services.add_to_wishlist(request.user, product)
    if created:
        record(request, Kind.WISHLIST_ADD, obj=product)
    messages.success(request, _("Saved to your wishlist."))
    return redirect(safe_next(request, product.get_absolute_url()))


@login_required
@require_POST
def wishlist_remove(request, product_id: int):
    services.remove_from_wishlist(request.user, product_id)
    messages.success(request, _("Removed from your wishlist."))
    return redirect(safe_next(request, reverse("needs:wishlist")))


@login_required
def wishlist(request):
    return render(
        request,
        "needs/wishlist.html",
        {"items": services.wishlist(request.user), "account_section": "wishlist"},
    )


# --- back in stock --------------------------------------------------------------------------


@require_POST
def back_in_stock(request, product_id: int):
    product = _product(product_id)
    if product.in_stock:
        messages.info(request, _("Good news: it is in stock now."))
        return redirect(product.get_absolute_url())
    try:
        ratelimit.check(request, "needs")
    except ratelimit.RateLimited:
        return _rate_limited(request)
    customer = request.user if request.user.is_authenticated else None
    form = BackInStockForm(request.POST)
    email = form.data.get("email", "") if customer is None else ""
    try:
        waiting, created = services.request_back_in_stock(
            product,
            customer=customer,
            email=email,
            language=request.LANGUAGE_CODE,
            visitor=guest_addresses.browser(request),
        )
    except ValidationError as error:
        return _refuse(request, " ".join(error.messages), 400)
    if created:
        record(request, Kind.BACK_IN_STOCK_REQUEST, obj=product)
    address = waiting.promise.guest_address if waiting.promise else None
    if guest_addresses.waits_for_confirmation(customer, address):
        messages.success(request, _confirm_first(address.email))
    else:
        messages.success(request, _("We will e-mail you once when it is back in stock."))
    return redirect(product.get_absolute_url())


def _confirm_first(email: str) -> str:
    return _(
        "We sent a confirmation link to %(email)s. Open it to confirm the address: until then "
        "we send nothing else there. (We send at most one such link a day.)"
    ) % {"email": email}


# --- "can't find what you want? tell us" ----------------------------------------------------


def tell_us(request):
    customer = request.user if request.user.is_authenticated else None
    if request.method == "POST":
        try:
            ratelimit.check(request, "needs")
        except ratelimit.RateLimited:
            return _rate_limited(request)
        form = ProductRequestForm(request.POST, guest=customer is None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                asked = services.request_product(
                    data["text"],
                    customer=customer,
                    email=data.get("email", ""),
                    query=data.get("query", ""),
                    language=request.LANGUAGE_CODE,
                    visitor=guest_addresses.browser(request),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                record(request, Kind.PRODUCT_REQUEST, obj=asked)
                address = asked.promise.guest_address
                confirm = guest_addresses.waits_for_confirmation(customer, address)
                return render(
                    request,
                    "needs/tell_us_thanks.html",
                    {
                        "customer": customer,
                        "confirm_notice": _confirm_first(address.email) if confirm else "",
                    },
                )
        status = 400
    else:
        form = ProductRequestForm(
            initial={"query": request.GET.get("q", "")[:200]}, guest=customer is None
        )
        status = 200
    return render(request, "needs/tell_us.html", {"form": form}, status=status)


# --- "what you told us" ---------------------------------------------------------------------


@login_required
def my_facts(request):
    if request.method == "POST":
        try:
            ratelimit.check(request, "facts")
        except ratelimit.RateLimited:
            return _rate_limited(request)
        form = FactForm(request.POST)
        if form.is_valid():
            try:
                facts.add_fact(
                    request.user,
                    form.cleaned_data["text"],
                    source_kind=CustomerFact.Source.ACCOUNT,
                    created_by=request.user,
                )
            except ValidationError as error:
                form.add_error("text", error)
            else:
                messages.success(request, _("Thank you, we will remember it."))
                return redirect("needs:facts")
        status = 400
    else:
        form = FactForm()
        status = 200
    return render(
        request,
        "needs/facts.html",
        {"form": form, "facts": facts.facts_for(request.user), "account_section": "facts"},
        status=status,
    )


@login_required
@require_POST
def fact_edit(request, pk: int):
    fact = facts.own_fact(request.user, pk)
    if fact is None:
        return _refuse(request, _("There is no such note in your account."), 404)
    form = FactForm(request.POST)
    if not form.is_valid():
        return _refuse(request, " ".join(e for errs in form.errors.values() for e in errs), 400)
    facts.update_fact(fact, form.cleaned_data["text"])
    messages.success(request, _("Saved."))
    return redirect("needs:facts")


@login_required
@require_POST
def fact_delete(request, pk: int):
    fact = facts.own_fact(request.user, pk)
    if fact is None:
        return _refuse(request, _("There is no such note in your account."), 404)
    facts.remove_fact(fact)
    messages.success(request, _("Forgotten."))
    return redirect("needs:facts")
