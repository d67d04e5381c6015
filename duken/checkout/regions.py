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
    "Kazakhstan",
    "Russia",
    "Kyrgyzstan",
    "Uzbekistan",
    "Tajikistan",
    "Turkmenistan",
    "Belarus",
    "Armenia",
    "Azerbaijan",
    "Georgia",
    "China",
    "Turkey",
    "Germany",
    "United Kingdom",
    "United States",
]
