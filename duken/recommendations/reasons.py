"""The one line a shopper reads under a recommendation: why it is there. Texts are built when
the page renders, so they follow the active language."""

from django.utils.translation import gettext as _

from . import personal


def because(code: str, name: str = "") -> str:
    """The reason for one personal recommendation (a reason code and its product's name)."""
    if code == personal.BOUGHT and name:
        return _("Because you bought %(name)s") % {"name": name}
    if code == personal.VIEWED and name:
        return _("Because you viewed %(name)s") % {"name": name}
    if code == personal.REPEAT:
        return _("You buy this regularly")
    if code == personal.AGAIN:
        return _("You bought this before")
    if code == personal.POPULAR:
        return _("Popular with our customers")
    return _("Picked for you from your orders and views")


def bought_together(name: str) -> str:
    return _("Often bought together with %(name)s") % {"name": name}


def bought_with(name: str) -> str:
    return _("Customers who bought %(name)s also bought these") % {"name": name}


def viewed_together(name: str) -> str:
    return _("Customers who viewed %(name)s also viewed this") % {"name": name}


def similar_to(name: str) -> str:
    return _("Similar to %(name)s") % {"name": name}


def same_category(category: str) -> str:
    return _("More from %(category)s") % {"category": category}


def popular(country: str = "", *, weekly: bool = False) -> str:
    country = _(country) if country else ""  # country names are in the catalogs
    if country and weekly:
        return _("Popular in %(country)s this week") % {"country": country}
    if country:
        return _("Popular in %(country)s") % {"country": country}
    if weekly:
        return _("Popular this week")
    return _("Popular with our customers")


def recently_viewed() -> str:
    return _("Products you looked at recently")
