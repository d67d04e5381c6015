"""The consent banner's answer, the consent page for visitors, the account privacy page and
"What we remember about you". Every change goes through privacy.services and privacy.memory."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from duken.core.redirects import safe_next

from . import memory, services
from .forms import ProfileForm
from .memory_sources import purpose_explanation
from .models import OPTIONAL_PURPOSES, Purpose, Source

BANNER_CHOICES = {
    "all": {p: True for p in OPTIONAL_PURPOSES},
    "necessary": {p: False for p in OPTIONAL_PURPOSES},
}


def _purposes(consents):
    return [
        {
            "value": purpose.value,
            "label": purpose.label,
            "explanation": purpose_explanation(purpose),
            "granted": consents.get(purpose, False),
            "always_on": purpose == Purpose.NECESSARY,
        }
        for purpose in Purpose
    ]


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
            response = redirect(safe_next(request, reverse("privacy:consent")))
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


SECTION_TEXTS = {
    memory.Section.FACTS: (
        gettext_lazy("What you told us"),
        gettext_lazy("Your profile and the addresses you saved."),
    ),
    memory.Section.INTERESTS: (
        gettext_lazy("Your interests"),
        gettext_lazy("What we concluded from the products you viewed, bought and searched for."),
    ),
    memory.Section.ACTIVITY: (
        gettext_lazy("Recent activity"),
        gettext_lazy("Your latest searches and the products you looked at."),
    ),
    memory.Section.CONSENTS: (
        gettext_lazy("Your consents"),
        gettext_lazy("What you allowed us to use your data for."),
    ),
    memory.Section.SUBSCRIPTIONS: (
        gettext_lazy("Subscriptions"),
        gettext_lazy("What we may send you."),
    ),
    memory.Section.FORGOTTEN: (
        gettext_lazy("What you asked us to forget"),
        gettext_lazy(
            "We keep a short note of each thing you asked us to forget, so that it does not come "
            "back. Where you asked us not to remember it again, nothing about it is recorded "
            "until you say we may."
        ),
    ),
}


# A long history shows its strongest interests first; the rest is one link away.
INTERESTS_SHOWN = 20


def _memory_context(request):
    grouped = memory.by_section(memory.remembered(request.user))
    show_all = request.GET.get("show") == "all"
    sections = []
    for name, items in grouped.items():
        hidden = 0
        if name == memory.Section.INTERESTS and not show_all and len(items) > INTERESTS_SHOWN:
            hidden = len(items) - INTERESTS_SHOWN
            items = items[:INTERESTS_SHOWN]
        sections.append(
            {
                "name": name,
                "title": SECTION_TEXTS[name][0],
                "intro": SECTION_TEXTS[name][1],
                "items": items,
                "hidden": hidden,
            }
        )
    return {
        "sections": sections,
        "may_personalize": services.may_personalize(request),
        # the choice pre-selected on every forget confirmation (why: see the constant)
        "remember_again_by_default": memory.REMEMBER_AGAIN_BY_DEFAULT,
        "account_section": "memory",
    }


@login_required
def memory_page(request):
    """Everything we remember about the customer, each with its reason and what they can do."""
    return render(request, "privacy/memory.html", _memory_context(request))


# The customer's answer on the forget confirmation to "may we remember it again?"
REMEMBER_AGAIN_CHOICES = {"yes": True, "no": False}


@login_required
@require_POST
def memory_forget(request):
    """Forget one item. The confirmation happens on the page (a second button, with the choice
    whether we may remember it again); with htmx the sections are rendered again in place."""
    choice = request.POST.get("remember_again")
    if choice is not None and choice not in REMEMBER_AGAIN_CHOICES:
        return _memory_response(
            request, error=_("Choose whether we may remember it again."), status=400
        )
    remember_again = REMEMBER_AGAIN_CHOICES.get(choice, memory.REMEMBER_AGAIN_BY_DEFAULT)
    item = memory.forget(request.user, request.POST.get("key", ""), remember_again=remember_again)
    if item is None:
        raise Http404(_("There is no such item in what we remember about you."))
    if item.asks_remember_again and not remember_again:
        message = _("Forgotten: %(item)s. We will not remember it again.")
    else:
        message = _("Forgotten: %(item)s.")
    return _memory_response(request, notice=message % {"item": item.title})


@login_required
@require_POST
def memory_remember_again(request):
    """Withdraw a wish not to be remembered again."""
    item = memory.remember_again(request.user, request.POST.get("key", ""))
    if item is None:
        raise Http404(_("There is no such wish in what we remember about you."))
    return _memory_response(
        request, notice=_("We may remember it again: %(item)s.") % {"item": item.title}
    )


def _memory_response(request, *, notice="", error="", status=200):
    """The sections again in place (htmx), or back to the page with the notice; an error is
    shown on the page itself, with nothing changed."""
    if request.htmx or error:
        context = {**_memory_context(request), "notice": notice, "error": error}
        template = "privacy/_memory_sections.html" if request.htmx else "privacy/memory.html"
        return render(request, template, context, status=status)
    messages.success(request, notice)
    return redirect("privacy:memory")


@login_required
def profile(request):
    """Correct the profile facts we keep (name, phone, country, language)."""
    form = ProfileForm.for_user(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            memory.correct_profile(request.user, **form.cleaned_data)
            messages.success(request, _("Your details are saved."))
            return redirect("privacy:memory")
        status = 400
    else:
        status = 200
    return render(
        request,
        "privacy/profile.html",
        {"form": form, "account_section": "memory"},
        status=status,
    )
