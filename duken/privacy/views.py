"""The consent banner's answer, the consent page for visitors and the account privacy page.
Every change goes through privacy.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from . import services
from .models import OPTIONAL_PURPOSES, Purpose, Source

BANNER_CHOICES = {
    "all": {p: True for p in OPTIONAL_PURPOSES},
    "necessary": {p: False for p in OPTIONAL_PURPOSES},
}


def _purposes(consents):
    explanations = {
        Purpose.NECESSARY: _(
            "Keeps the shop working: your cart, your log-in, your language and security. "
            "Always on, because the shop cannot work without it."
        ),
        Purpose.ANALYTICS: _(
            "Counts which pages and products are viewed and what is searched, so we can see "
            "what works and improve the shop."
        ),
        Purpose.PERSONALIZATION: _(
            "Uses what you viewed and bought to suggest products and tailor pages for you."
        ),
        Purpose.MARKETING: _(
            "Lets us send you news, offers and reminders by e-mail. You can stop them any time."
        ),
    }
    return [
        {
            "value": purpose.value,
            "label": purpose.label,
            "explanation": explanations[purpose],
            "granted": consents.get(purpose, False),
            "always_on": purpose == Purpose.NECESSARY,
        }
        for purpose in Purpose
    ]


def _safe_next(request, fallback):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _choices_from_form(request):
    picked = set(request.POST.getlist("purposes"))
    return {p: p.value in picked for p in OPTIONAL_PURPOSES}


def _save(request, source):
    choice = request.POST.get("choice")
    if choice in BANNER_CHOICES:
        return services.set_consents(request, BANNER_CHOICES[choice], source=Source.BANNER)
    return services.set_consents(request, _choices_from_form(request), source=source)


def consent(request):
    """The banner posts here ("Accept all" / "Only necessary"); the page lets a visitor choose
    each purpose. Works with and without JavaScript."""
    if request.method == "POST":
        after = _save(request, Source.CONSENT_PAGE)
        if request.htmx:
            response = HttpResponse("")
        else:
            if "choice" not in request.POST:
                messages.success(request, _("Your privacy choices are saved."))
            response = redirect(_safe_next(request, reverse("privacy:consent")))
        services.set_cookie(response, after)
        return response
    if request.user.is_authenticated:
        # a customer's choices, with their history, live on the account page
        return redirect("privacy:account")
    return render(
        request,
        "privacy/consent.html",
        {"purposes": _purposes(services.current_consents(request))},
    )


@login_required
def account_privacy(request):
    if request.method == "POST":
        after = services.set_consents(
            request, _choices_from_form(request), source=Source.ACCOUNT_PAGE
        )
        messages.success(request, _("Your privacy choices are saved."))
        response = redirect("privacy:account")
        services.set_cookie(response, after)
        return response
    return render(
        request,
        "privacy/account.html",
        {
            "purposes": _purposes(services.current_consents(request)),
            "history": services.history(request.user)[:200],
            "account_section": "privacy",
        },
    )
