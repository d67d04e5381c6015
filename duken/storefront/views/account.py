"""Account pages: sign-up, log in/out, password reset and change, addresses, order history.
Django's auth views do the auth work; customers.services does every change."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from duken.conversations import ratelimit
from duken.core.redirects import safe_next
from duken.customers import lockout, registration, twofactor
from duken.customers import services as customers
from duken.customers.forms import AddressForm, PasswordResetForm, RegistrationForm
from duken.customers.models import Address
from duken.orders.models import Order, OrderStatus, Receipt
from duken.payments.services import (
    latest_payment,
    payment_instructions,
    payment_methods,
    payment_status_url,
)

ORDERS_PER_PAGE = 10


class LoginView(auth_views.LoginView):
    """The password, and then, for a user with a second factor, a code on the next page
    (``twofactor.begin_login``). Too many failures lock the client out (``lockout``)."""

    template_name = "storefront/account/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        return twofactor.second_step(self.request, user, self.get_success_url()) or (
            super().form_valid(form)
        )


class LogoutView(auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    # The same page and the same work for any address (the form queues the e-mail).
    form_class = PasswordResetForm
    template_name = "storefront/account/password_reset.html"
    success_url = reverse_lazy("storefront:password_reset_done")

    def form_valid(self, form):
        try:
            may_send = lockout.count_reset(self.request, form.cleaned_data["email"])
        except lockout.TooManyResets:
            minutes = lockout.cool_off_minutes()
            message = ngettext(
                "Too many password reset requests from your network. Please try again in "
                "%(minutes)d minute.",
                "Too many password reset requests from your network. Please try again in "
                "%(minutes)d minutes.",
                minutes,
            )
            form.add_error(None, message % {"minutes": minutes})
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if not may_send:
            # Enough e-mails went to this address for now: the same page, nothing sent.
            return redirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "storefront/account/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "storefront/account/password_reset_confirm.html"
    success_url = reverse_lazy("storefront:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "storefront/account/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "storefront/account/password_change.html"
    success_url = reverse_lazy("storefront:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "storefront/account/password_change_done.html"


def register(request):
    """Sign-up: every valid sign-up gets the same answer ("we sent a link to …"), whether or
    not the address has an account (``customers.registration``)."""
    if request.user.is_authenticated:
        return redirect("storefront:account")
    form = RegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            ratelimit.check(request, "register")
        except ratelimit.RateLimited:
            form.add_error(None, _("Too many attempts. Please wait a minute and try again."))
            status = 429
        else:
            email = form.register(language=get_language() or "") if form.is_valid() else None
            if email is not None:
                return render(request, "storefront/account/register_sent.html", {"email": email})
    return render(
        request,
        "storefront/account/register.html",
        {"form": form, "next": safe_next(request, "")},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def register_finish(request, token):
    """The link e-mailed to a new address: one click creates the account and logs in (a mail
    scanner's GET creates nothing)."""
    pending = registration.from_token(token)
    if pending is None:
        return render(request, "storefront/account/register_finish.html", {}, status=404)
    if request.method == "GET":
        return render(
            request,
            "storefront/account/register_finish.html",
            {"email": pending.email, "token": token},
        )
    user = registration.finish_registration(pending)
    if user is None:
        messages.info(request, _("This address already has an account. Please log in."))
        return redirect("storefront:login")
    # The cart merge and the history join run on the user_logged_in signal, as for a log-in.
    login(request, user, backend="duken.customers.backends.EmailBackend")
    messages.success(request, _("Welcome to Duken! Your account is ready."))
    return redirect("storefront:account")


@login_required
def overview(request):
    recent = list(
        Order.objects.filter(user=request.user)
        .annotate(item_count=Count("lines"))
        .order_by("-placed_at")[:3]
    )
    return render(
        request,
        "storefront/account/overview.html",
        {
            "recent_orders": recent,
            "default_address": customers.default_address(request.user),
            "account_section": "overview",
        },
    )


@login_required
def addresses(request):
    return render(
        request,
        "storefront/account/addresses.html",
        {
            "addresses": customers.list_addresses(request.user),
            "account_section": "addresses",
        },
    )


def _own_address(request, pk) -> Address:
    try:
        return customers.get_address(request.user, pk)
    except Address.DoesNotExist:
        raise Http404(_("No such address.")) from None


def _address_form(request, address=None):
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        saved = form.save(user=request.user)
        if saved is not None:
            messages.success(request, _("The address is saved."))
            return redirect(safe_next(request, reverse("storefront:addresses")))
    return render(
        request,
        "storefront/account/address_form.html",
        {"form": form, "address": address, "account_section": "addresses"},
    )


@login_required
def address_add(request):
    return _address_form(request)


@login_required
def address_edit(request, pk):
    return _address_form(request, _own_address(request, pk))


@login_required
@require_POST
def address_delete(request, pk):
    customers.delete_address(_own_address(request, pk))
    messages.success(request, _("The address is deleted."))
    return redirect("storefront:addresses")


@login_required
@require_POST
def address_default(request, pk):
    customers.set_default_address(_own_address(request, pk))
    messages.success(request, _("The default address is changed."))
    return redirect("storefront:addresses")


@login_required
def orders(request):
    queryset = (
        Order.objects.filter(user=request.user)
        .annotate(item_count=Count("lines"))
        .order_by("-placed_at", "-pk")
    )
    page = Paginator(queryset, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "storefront/account/orders.html",
        {"page": page, "orders": page.object_list, "account_section": "orders"},
    )


@login_required
def order_detail(request, number):
    try:
        order = Order.objects.select_related("pickup_point").get(number=number, user=request.user)
    except Order.DoesNotExist:
        raise Http404(_("No such order.")) from None
    labels = dict(OrderStatus.choices)
    # Status changes only: notes on events are written by staff for staff.
    timeline = [
        {"status": labels.get(event.to_status, event.to_status), "at": event.created_at}
        for event in order.events.all()
        if event.to_status
    ]
    awaiting_payment = order.status == OrderStatus.AWAITING_PAYMENT
    payment = latest_payment(order) if awaiting_payment else None
    return render(
        request,
        "storefront/account/order_detail.html",
        {
            "order": order,
            "lines": list(order.lines.all()),
            "timeline": timeline,
            "payments": list(order.payments.all()),
            "payment_method_name": payment_method_name(order.payment_method),
            "awaiting_payment": awaiting_payment,
            "instructions": payment_instructions(order) if awaiting_payment else None,
            "card_payment_url": (
                payment_status_url(payment) if payment and payment.provider == "card" else ""
            ),
            "account_section": "orders",
            "receipt": Receipt.objects.filter(order=order).first(),
        },
    )


def payment_method_name(code: str) -> str:
    if not code:
        return ""
    names = {method.code: method.name for method in payment_methods()}
    return names.get(code, code)
