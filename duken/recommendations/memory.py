""" "What we remember about you": the interests behind a customer's recommendations, each
forgettable. Forgetting one is a standing wish: it never drives a recommendation again until
the customer withdraws the wish on the same page, and the customer's list is ranked again at
once either way (see ``signals``)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from duken.privacy.memory import Again, Item, Section, register_provider

from . import personal
from .privacy import RECOMMENDATION_PREFIX, may_personalize


def interest_items(user, forgotten):
    from duken.catalog.models import Product

    from .serving import stored_for_you

    if not may_personalize(user):
        return
    counts: dict[int, list] = {}
    for entry in stored_for_you(user):
        code, because = entry[2], entry[3] if len(entry) > 3 else None
        if because and code in (personal.BOUGHT, personal.VIEWED):
            counts.setdefault(because, [code, entry[4] if len(entry) > 4 else "", 0])[2] += 1
    slugs = dict(Product.objects.filter(pk__in=counts).values_list("pk", "slug"))

    for because, (code, name, count) in sorted(counts.items(), key=lambda kv: -kv[1][2]):
        key = f"{RECOMMENDATION_PREFIX}:{because}"
        # the stored list is derived data, ranked again in the background after a forget:
        # until then it may still name what the customer asked us to stop using
        if key in forgotten or not name:
            continue
        reason = (
            _("You bought it, so we suggest products often bought with it.")
            if code == personal.BOUGHT
            else _("You looked at it, so we suggest products often viewed with it.")
        )
        yield Item(
            key=key,
            section=Section.INTERESTS,
            title=_("Behind your recommendations: %(name)s") % {"name": name},
            value=ngettext(
                "Shapes %(count)d recommendation", "Shapes %(count)d recommendations", count
            )
            % {"count": count},
            reason=reason,
            url=reverse("storefront:product", args=[slugs[because]]) if because in slugs else "",
            forgettable=True,
            forget_label=_("Stop using it"),
        )


def forget_interest(user, key):
    # Nothing to delete: the interest is derived from orders, which the shop keeps. The
    # stored key (suppress) is what keeps it out of every later ranking.
    return None


def register() -> None:
    register_provider(
        Section.INTERESTS,
        interest_items,
        name="recommendations",
        prefix=RECOMMENDATION_PREFIX,
        forget=forget_interest,
        suppress=True,
        again=Again.NO,
    )
