import pytest

from duken.shipping.services import Destination
from duken.shipping.zones import match_zone, normalize

pytestmark = pytest.mark.usefixtures("store")


@pytest.mark.parametrize(
    "city",
    [
        "Almaty",
        "ALMATY",
        "almaty ",
        "Алматы",
        "г. Алматы",
        "Алма-Ата",
        "Алматы қаласы",
        "Almaty city",
    ],
)
def test_almaty_in_any_spelling_is_the_almaty_zone(city):
    # given / when
    zone = match_zone(Destination(country="Kazakhstan", region="", city=city))
    # then
    assert zone.code == "almaty"


@pytest.mark.parametrize("country", ["Kazakhstan", "Казахстан", "Қазақстан", "KZ", ""])
def test_country_spellings_and_a_blank_country_are_domestic(country):
    assert match_zone(Destination(country=country, city="Шымкент")).code == "shymkent"


def test_city_beats_region():
    # given a destination naming a city and, wrongly, another region
    destination = Destination(country="Kazakhstan", region="Akmola Region", city="Astana")
    # when / then the city decides
    assert match_zone(destination).code == "astana"


@pytest.mark.parametrize(
    "region,code",
    [
        ("Алматинская область", "almaty-region"),
        ("Алматы облысы", "almaty-region"),
        ("Almaty Region", "almaty-region"),
        ("Карагандинская обл.", "karaganda"),
        ("Abai Region", "abai"),
        ("Жетісу облысы", "jetisu"),
        ("Ulytau", "ulytau"),
        ("ЗКО", "west-kazakhstan"),
    ],
)
def test_region_of_an_unlisted_town(region, code):
    # given a village no zone lists, in a known region
    destination = Destination(country="Kazakhstan", region=region, city="Каменка")
    # when / then the region decides
    assert match_zone(destination).code == code


def test_region_field_naming_a_city_of_republican_significance():
    # the address form asks for "region or city of republican significance"
    assert match_zone(Destination(region="Алматы", city="")).code == "almaty"


def test_regional_capital_without_region():
    assert match_zone(Destination(city="Усть-Каменогорск")).code == "east-kazakhstan"
    assert match_zone(Destination(city="Semey")).code == "abai"


def test_unknown_kazakh_place_falls_to_the_country_zone():
    zone = match_zone(Destination(country="Kazakhstan", region="", city="Nowhere"))
    assert zone.code == "kazakhstan"


@pytest.mark.parametrize(
    "destination",
    [
        Destination(country="United Kingdom", region="", city="London"),
        Destination(country="Germany", region="Bavaria", city="Munich"),
        # a foreign city named like a Kazakh one is still abroad
        Destination(country="United States", region="", city="Astana"),
    ],
)
def test_other_countries_are_international(destination):
    assert match_zone(destination).code == "international"


def test_normalize_folds_kazakh_letters_and_decorations():
    assert normalize("  Қарағанды  ") == normalize("Караганды")
    assert normalize("г. Алматы") == "алматы"
    assert normalize("Карагандинская обл.") == "карагандинская область"
