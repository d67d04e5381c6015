"""Kazakhstan's regions (oblystar) and cities of republican significance, for the address form.

Values are stored on orders and addresses in English; delivery zones match them in any of the
three languages (see ``shipping.zones``)."""

from django.utils.translation import gettext_lazy as _

HOME_COUNTRY = "Kazakhstan"

# Cities of republican significance are their own region: the city is the region.
CITIES_OF_REPUBLICAN_SIGNIFICANCE = [
    ("Astana", _("Astana")),
    ("Almaty", _("Almaty")),
    ("Shymkent", _("Shymkent")),
]

REGIONS = [
    ("Abai Region", _("Abai Region")),
    ("Akmola Region", _("Akmola Region")),
    ("Aktobe Region", _("Aktobe Region")),
    ("Almaty Region", _("Almaty Region")),
    ("Atyrau Region", _("Atyrau Region")),
    ("East Kazakhstan Region", _("East Kazakhstan Region")),
    ("Jambyl Region", _("Jambyl Region")),
    ("Jetisu Region", _("Jetisu Region")),
    ("Karaganda Region", _("Karaganda Region")),
    ("Kostanay Region", _("Kostanay Region")),
    ("Kyzylorda Region", _("Kyzylorda Region")),
    ("Mangystau Region", _("Mangystau Region")),
    ("North Kazakhstan Region", _("North Kazakhstan Region")),
    ("Pavlodar Region", _("Pavlodar Region")),
    ("Turkistan Region", _("Turkistan Region")),
    ("Ulytau Region", _("Ulytau Region")),
    ("West Kazakhstan Region", _("West Kazakhstan Region")),
]

REGION_CHOICES = [
    (_("Cities of republican significance"), CITIES_OF_REPUBLICAN_SIGNIFICANCE),
    (_("Regions"), REGIONS),
]
REGION_VALUES = frozenset(v for v, _label in CITIES_OF_REPUBLICAN_SIGNIFICANCE + REGIONS)
CITY_REGIONS = frozenset(v for v, _label in CITIES_OF_REPUBLICAN_SIGNIFICANCE)

COUNTRIES = [
    ("Kazakhstan", _("Kazakhstan")),
    ("Russia", _("Russia")),
    ("Kyrgyzstan", _("Kyrgyzstan")),
    ("Uzbekistan", _("Uzbekistan")),
    ("Tajikistan", _("Tajikistan")),
    ("Turkmenistan", _("Turkmenistan")),
    ("Belarus", _("Belarus")),
    ("Armenia", _("Armenia")),
    ("Azerbaijan", _("Azerbaijan")),
    ("Georgia", _("Georgia")),
    ("China", _("China")),
    ("Turkey", _("Turkey")),
    ("Germany", _("Germany")),
    ("United Kingdom", _("United Kingdom")),
    ("United States", _("United States")),
]
_COUNTRY_VALUES = {value.casefold(): value for value, _label in COUNTRIES}


def country_label(value: str) -> str:
    """A stored (English) country name in the shopper's language; other names as given."""
    for known, label in COUNTRIES:
        if known == value:
            return str(label)
    return value


def region_label(value: str) -> str:
    """A stored (English) region of Kazakhstan in the shopper's language; others as given."""
    for known, label in CITIES_OF_REPUBLICAN_SIGNIFICANCE + REGIONS:
        if known == value:
            return str(label)
    return value


def country_value(text: str) -> str:
    """The stored (English) name for what a shopper typed: the English name, its translation
    in any of the shop's languages or a common spelling of Kazakhstan; anything else as given.
    Empty means Kazakhstan."""
    from django.conf import settings
    from django.utils import translation

    from duken.shipping.zones import normalize_country

    text = (text or "").strip()
    if not text or normalize_country(text) == normalize_country(HOME_COUNTRY):
        return HOME_COUNTRY
    folded = text.casefold()
    if folded in _COUNTRY_VALUES:
        return _COUNTRY_VALUES[folded]
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for value, label in COUNTRIES:
                if str(label).casefold() == folded:
                    return value
    return text


_REGION_VALUES_FOLDED = {value.casefold(): value for value in REGION_VALUES}


def region_value(text: str) -> str:
    """The stored (English) name of a region of Kazakhstan typed in any of the shop's
    languages; anything else (a region abroad) as given."""
    from django.conf import settings
    from django.utils import translation

    text = (text or "").strip()
    folded = text.casefold()
    if folded in _REGION_VALUES_FOLDED:
        return _REGION_VALUES_FOLDED[folded]
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for value, label in CITIES_OF_REPUBLICAN_SIGNIFICANCE + REGIONS:
                if str(label).casefold() == folded:
                    return value
    return text
