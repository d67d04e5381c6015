"""Which delivery zone a destination belongs to.

Shoppers type places in English, Russian or Kazakh, with or without "г.", "обл." or Kazakh
letters, so both the destination and the zone lists are reduced to one comparable form
before matching: "г. Алматы", "ALMATY", "Алматы қаласы" and "almaty city" are the same place.
"""

import re
from dataclasses import dataclass

# Kazakh letters a shopper on a Russian keyboard types as their nearest Russian letter.
_KAZAKH_TO_RUSSIAN = str.maketrans(
    {
        "ә": "а",
        "ғ": "г",
        "қ": "к",
        "ң": "н",
        "ө": "о",
        "ұ": "у",
        "ү": "у",
        "һ": "х",
        "і": "и",
        "ё": "е",
    }
)
_CITY_PREFIXES = ("г ", "город ", "city of ", "gorod ")
_CITY_SUFFIXES = (" city", " каласы", " qalasy", " kalasy")
_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[.,;:()\"'«»\-–—_/]+")

HOME_COUNTRY = "kazakhstan"
_COUNTRY_ALIASES = {
    "kazakhstan": HOME_COUNTRY,
    "kz": HOME_COUNTRY,
    "kaz": HOME_COUNTRY,
    "republic of kazakhstan": HOME_COUNTRY,
    "kazakstan": HOME_COUNTRY,
    "qazaqstan": HOME_COUNTRY,
    "казахстан": HOME_COUNTRY,
    "казакстан": HOME_COUNTRY,  # Қазақстан
    "республика казахстан": HOME_COUNTRY,
    "казакстан республикасы": HOME_COUNTRY,
}


def normalize(text: str) -> str:
    """A place name in its comparable form: lower case, Kazakh letters folded, no
    punctuation, no "city"/"г." decoration, "обл." spelled out."""
    value = (text or "").casefold().translate(_KAZAKH_TO_RUSSIAN)
    value = _PUNCTUATION.sub(" ", value)
    value = _SPACES.sub(" ", value).strip()
    for prefix in _CITY_PREFIXES:
        if value.startswith(prefix):
            value = value[len(prefix) :]
    for suffix in _CITY_SUFFIXES:
        if value.endswith(suffix):
            value = value[: -len(suffix)]
    words = ["область" if word == "обл" else word for word in value.split(" ")]
    return " ".join(words).strip()


def normalize_country(text: str) -> str:
    value = normalize(text)
    if not value:
        return HOME_COUNTRY  # an address without a country is a domestic one
    return _COUNTRY_ALIASES.get(value, value)


def _lines(text: str, normalizer=normalize) -> set[str]:
    return {normalizer(line) for line in (text or "").splitlines() if line.strip()}


@dataclass(frozen=True)
class Destination:
    """Where an order goes. Empty parts are allowed (a digital-only order has none)."""

    country: str = ""
    region: str = ""
    city: str = ""


@dataclass(frozen=True)
class _ZoneNames:
    zone: object
    cities: frozenset
    regions: frozenset
    countries: frozenset


def _prepared(zones):
    return [
        _ZoneNames(
            zone,
            frozenset(_lines(zone.cities)),
            frozenset(_lines(zone.regions)),
            frozenset(_lines(zone.countries, normalize_country)),
        )
        for zone in zones
    ]


def match_zone(destination: Destination, zones=None):
    """The zone for ``destination``: by city, then region, then country, then the fallback
    zone; None when no zone applies. ``zones`` defaults to all zones in position order."""
    if zones is None:
        from .models import Zone

        zones = Zone.objects.order_by("position", "pk")
    prepared = _prepared(zones)
    country = normalize_country(destination.country)
    city = normalize(destination.city)
    region = normalize(destination.region)

    def in_country(names):
        return not names.countries or country in names.countries

    if city:
        for names in prepared:
            if city in names.cities and in_country(names):
                return names.zone
    if region:
        for names in prepared:
            if region in names.regions and in_country(names):
                return names.zone
    for names in prepared:
        if not names.cities and not names.regions and country in names.countries:
            return names.zone
    for names in prepared:
        if names.zone.is_fallback:
            return names.zone
    return None


def place_in_zone(city: str, zone) -> bool:
    """Whether a city (e.g. a pickup point's) lies in ``zone`` by name."""
    return normalize(city) in _lines(zone.cities)
