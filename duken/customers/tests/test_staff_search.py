import pytest

from duken.customers.models import Address
from duken.customers.search import SearchError, phone_digits, search_customers

from .timeline_factories import make_customer, place_order

pytestmark = pytest.mark.django_db


def found(query):
    return {customer.email for customer in search_customers(query).customers}


@pytest.fixture
def people():
    return {
        "aigerim": make_customer(
            "aigerim.s@mail.kz", first_name="Айгерим", last_name="Серикова", phone="87012345678"
        ),
        "dana": make_customer(
            "dana@example.kz", first_name="Dana", last_name="Serikbayeva", phone="+7 705 111 22 33"
        ),
        "bolat": make_customer("bolat@work.kz", first_name="Bolat", last_name="Nurlanov"),
    }


def test_name_matches_first_or_last_name_in_either_order_whatever_the_case(people):
    assert found("Dana") == {"dana@example.kz"}
    assert found("serikbayeva dana") == {"dana@example.kz"}
    assert found("DANA SERIK") == {"dana@example.kz"}
    assert found("nurlanov") == {"bolat@work.kz"}


def test_cyrillic_names_match_in_lower_upper_and_capitalized_forms(people):
    assert found("Айгерим") == {"aigerim.s@mail.kz"}
    assert found("айгерим") == {"aigerim.s@mail.kz"}
    assert found("СЕРИКОВА АЙГЕРИМ") == {"aigerim.s@mail.kz"}
    assert found("серикова") == {"aigerim.s@mail.kz"}


def test_every_word_must_match(people):
    assert found("Dana Nurlanov") == set()


def test_part_of_an_email_address_matches(people):
    assert found("@work.kz") == {"bolat@work.kz"}
    assert found("AIGERIM.S@") == {"aigerim.s@mail.kz"}
    assert found("example") == {"dana@example.kz"}


@pytest.mark.parametrize(
    "query", ["+7 701 234 5678", "8 (701) 234-56-78", "77012345678", "7012345678", "234-56-78"]
)
def test_phone_matches_whatever_the_separators_and_prefix(people, query):
    assert found(query) == {"aigerim.s@mail.kz"}


def test_phone_on_an_address_or_an_order_finds_its_customer(people):
    Address.objects.create(
        user=people["bolat"],
        full_name="Bolat Nurlanov",
        phone="+7 (747) 000-11-22",
        region="Almaty",
        city="Almaty",
        street="Abay 1",
    )
    place_order(people["dana"], phone="8 777 999 88 77")
    assert found("87470001122") == {"bolat@work.kz"}
    assert found("+7 777 999 8877") == {"dana@example.kz"}


def test_a_few_digits_are_not_a_phone_number(people):
    assert found("7012") == set()


def test_order_number_goes_straight_to_its_customer(people):
    order = place_order(people["bolat"], number="DK-7F3K9Q2M")
    result = search_customers("dk-7f3k9q2m")
    assert result.order == order and result.customer == people["bolat"]
    # a part of the number is not a number
    assert search_customers("DK-7F3K").customer is None


def test_an_order_placed_without_an_account_is_found_but_leads_to_no_customer(people):
    place_order(None, number="DK-GUEST001")
    result = search_customers("DK-GUEST001")
    assert result.order is not None and result.customer is None


def test_empty_query_lists_everyone_newest_first(people):
    emails = [c.email for c in search_customers("  ").customers]
    assert emails == ["bolat@work.kz", "dana@example.kz", "aigerim.s@mail.kz"]


def test_html_and_sql_looking_queries_are_plain_text(people):
    assert found("<script>alert(1)</script>") == set()
    assert found("' OR 1=1 --") == set()
    assert found("%") == set()


def test_over_long_query_is_refused():
    with pytest.raises(SearchError) as error:
        search_customers("x" * 101)
    assert "at most 100 characters" in error.value.message


def test_phone_digits():
    assert phone_digits("+7 701 234 56 78") == "7012345678"
    assert phone_digits("8 (701) 234-56-78") == "7012345678"
    assert phone_digits("+44 20 7946 0958") == "442079460958"
