"""The shop's own remembered items: profile facts, addresses, interests derived from history,
recent activity, consents, the marketing subscription, and what the customer asked us to
forget (see ``memory``)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import memory
from . import memory_erase as erase
from . import memory_history as history
from .memory import Again, Item, Section, register_provider
from .models import OPTIONAL_PURPOSES, ConsentRecord, Purpose


def purpose_explanation(purpose) -> str:
    return {
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
    }[Purpose(purpose)]


# --- facts -----------------------------------------------------------------------------------

_PROFILE_FIELDS = ("name", "email", "phone", "country", "language")


def _language_name(code: str) -> str:
    from django.conf import settings

    names = dict(settings.LANGUAGES)
    return str(names.get(code, code))


def profile_items(user, forgotten):
    profile = reverse("privacy:profile")
    values = {
        "name": user.get_full_name(),
        "email": user.email,
        "phone": user.phone,
        "country": user.country,
        "language": _language_name(user.language) if user.language else "",
    }
    titles = {
        "name": _("Name"),
        "email": _("E-mail address"),
        "phone": _("Phone"),
        "country": _("Country"),
        "language": _("Language"),
    }
    reasons = {
        "name": _("You gave it to us. We use it to greet you and on your orders."),
        "email": _(
            "You log in with it and we send your order confirmations to it. It stays as long "
            "as you have an account."
        ),
        "phone": _("You gave it to us. The courier calls it when delivering your orders."),
        "country": _("You gave it to us. It helps us show the right delivery options."),
        "language": _("You chose it. We write to you and show the shop in this language."),
    }
    for name in _PROFILE_FIELDS:
        if not values[name]:
            continue
        yield Item(
            key=f"fact:{name}",
            section=Section.FACTS,
            title=titles[name],
            value=values[name],
            reason=reasons[name],
            correct_url="" if name == "email" else profile,
            forgettable=name != "email",
        )


def forget_profile(user, key):
    field = key.split(":", 1)[1]
    if field == "name":
        user.first_name = user.last_name = ""
        user.save(update_fields=["first_name", "last_name"])
    elif field in ("phone", "country", "language"):
        setattr(user, field, "")
        user.save(update_fields=[field])


def address_items(user, forgotten):
    from duken.customers.models import Address

    for address in Address.objects.filter(user_id=user.pk):
        value = ", ".join(
            part
            for part in (
                address.full_name,
                address.street,
                address.city,
                address.region,
                address.postcode,
                address.phone,
            )
            if part
        )
        yield Item(
            key=f"address:{address.pk}",
            section=Section.FACTS,
            title=_("Delivery address (default)") if address.is_default else _("Delivery address"),
            value=value,
            reason=_("You saved it. We offer it at checkout so you need not type it again."),
            correct_url=reverse("storefront:address_edit", args=[address.pk]),
            forgettable=True,
        )


def forget_address(user, key):
    from duken.customers import services as customers
    from duken.customers.models import Address

    pk = key.split(":", 1)[1]
    # only ever the customer's own address: the key was found among their items
    customers.delete_address(Address.objects.get(user_id=user.pk, pk=int(pk)))


# --- consents and subscriptions --------------------------------------------------------------


def consent_items(user, forgotten):
    latest = {}
    for record in ConsentRecord.objects.filter(user_id=user.pk).order_by("pk"):
        latest[record.purpose] = record
    privacy_page = reverse("privacy:account")
    for purpose in OPTIONAL_PURPOSES:
        record = latest.get(purpose)
        if record is None:
            value = _("Not chosen yet: not used")
        elif record.granted:
            value = _("Granted on %(date)s (wording %(version)s)") % {
                "date": _date(record.created_at),
                "version": record.wording_version,
            }
        else:
            value = _("Withdrawn on %(date)s (wording %(version)s)") % {
                "date": _date(record.created_at),
                "version": record.wording_version,
            }
        yield Item(
            key=f"consent:{purpose.value}",
            section=Section.CONSENTS,
            title=purpose.label,
            value=value,
            reason=purpose_explanation(purpose)
            + " "
            + _("We keep every choice you make as proof of what you agreed to."),
            correct_url=privacy_page,
        )


def _date(moment) -> str:
    from django.utils import formats, timezone

    return formats.date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT")


def subscription_items(user, forgotten):
    subscribed = user.accepts_marketing
    yield Item(
        key="subscription:marketing-email",
        section=Section.SUBSCRIPTIONS,
        title=_("News and offers by e-mail"),
        value=_("Subscribed") if subscribed else _("Not subscribed"),
        reason=_("You agreed to receive them.")
        if subscribed
        else _("We send you no marketing e-mail."),
        correct_url=reverse("privacy:account"),
        forgettable=subscribed,
        forget_label=_("Unsubscribe"),
    )


# --- what the customer asked us to forget ---------------------------------------------------


def forgotten_items(user, forgotten):
    """Each forget we keep a record of: a wish not to be remembered again (which the customer
    may withdraw), or the note that keeps what was forgotten from coming back."""
    records = sorted(memory.forget_records(user).values(), key=lambda r: r.at, reverse=True)
    titles = _forgotten_titles([record.key for record in records])
    for record in records:
        kind = record.key.split(":", 1)[0]
        if record.may_remember_again:
            value = _("Forgotten up to %(date)s") % {"date": _date(record.at)}
            reason = _FORGOTTEN_REASONS.get(kind, _FORGOTTEN_REASONS[""])
        else:
            value = _("Not remembered again, since %(date)s") % {"date": _date(record.at)}
            reason = _WISH_REASONS.get(kind, _WISH_REASONS[""])
        if kind == "search":
            title = (
                _("A search you asked us to forget")
                if record.may_remember_again
                else _("A search you asked us not to remember again")
            )
        else:
            title = titles.get(record.key) or _("Something no longer in the shop")
        yield Item(
            key=memory.WISH_PREFIX + record.key,
            section=Section.FORGOTTEN,
            title=title,
            value=value,
            reason=str(reason),
            withdrawable=not record.may_remember_again,
            forget_label=_("Use it again") if kind == "recommendation" else _("Remember it again"),
        )


_FORGOTTEN_REASONS = {
    # products and categories
    "": gettext_lazy(
        "What we had was deleted, and your orders from before no longer count as an interest "
        "or for your recommendations. Anything new is remembered as usual."
    ),
    "search": gettext_lazy(
        "We deleted it and keep only a fingerprint of its words, not the words. If you search "
        "for them again, that search is remembered as usual."
    ),
    "activity": gettext_lazy(
        "What you did before then was deleted. Anything new is remembered as usual."
    ),
}
_WISH_REASONS = {
    "": gettext_lazy(
        "You asked us not to remember it again: nothing you do with it is recorded, and your "
        "orders of it are not used for interests or recommendations."
    ),
    "category": gettext_lazy(
        "You asked us not to remember it again: nothing you do in it is recorded, and your "
        "orders from it are not used for interests or recommendations."
    ),
    "search": gettext_lazy(
        "You asked us not to remember it again: when you search for the same words, the search "
        "is not recorded for you. We keep only a fingerprint of the words, not the words."
    ),
    "recommendation": gettext_lazy("You asked us to stop using it for your recommendations."),
}


def _forgotten_titles(keys) -> dict[str, str]:
    """What each forgotten product, category or recommendation reason is called."""
    from duken.catalog.models import Category, Product

    ids = {"product": set(), "category": set(), "recommendation": set()}
    for key in keys:
        kind, _sep, pk = key.partition(":")
        if kind in ids and pk.isdigit():
            ids[kind].add(int(pk))
    products = Product.objects.only("name").in_bulk(ids["product"] | ids["recommendation"])
    categories = Category.objects.in_bulk(ids["category"])
    titles = {}
    for key in keys:
        kind, _sep, pk = key.partition(":")
        if kind == "activity":
            titles[key] = _("Your whole activity history")
        elif kind == "category" and pk.isdigit() and int(pk) in categories:
            titles[key] = categories[int(pk)].display_name
        elif kind == "product" and pk.isdigit() and int(pk) in products:
            titles[key] = products[int(pk)].name
        elif kind == "recommendation" and pk.isdigit() and int(pk) in products:
            titles[key] = _("Behind your recommendations: %(name)s") % {
                "name": products[int(pk)].name
            }
    return titles


def forget_subscription(user, key):
    from . import services

    services.withdraw_for_user(user, [Purpose.MARKETING])


register_provider(
    Section.FACTS, profile_items, name="profile", prefix="fact", forget=forget_profile
)
register_provider(
    Section.FACTS, address_items, name="addresses", prefix="address", forget=forget_address
)
register_provider(
    Section.INTERESTS,
    history.interest_items,
    name="interests",
    prefix="category",
    forget=erase.forget_category,
    suppress=True,
    again=Again.ASK,
)
memory.register_forget("product", erase.forget_product, suppress=True, again=Again.ASK)
memory.register_forget("search", erase.forget_search, suppress=True, again=Again.ASK)
register_provider(
    Section.ACTIVITY,
    history.activity_items,
    name="activity",
    prefix="activity",
    forget=erase.forget_activity,
    # recorded too: rows still buffered in another worker that predate it are then dropped.
    # Never a wish: not being remembered at all is the analytics consent, withdrawn elsewhere.
    suppress=True,
)
register_provider(Section.CONSENTS, consent_items, name="consents")
register_provider(Section.FORGOTTEN, forgotten_items, name="forgotten")
register_provider(
    Section.SUBSCRIPTIONS,
    subscription_items,
    name="subscriptions",
    prefix="subscription",
    forget=forget_subscription,
)
