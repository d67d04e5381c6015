"""Correcting the profile facts we keep."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, customer):
    client.force_login(customer)
    return client


def test_the_profile_form_needs_a_login(client):
    response = client.get(reverse("privacy:profile"))
    assert response.status_code == 302
    assert reverse("storefront:login") in response["Location"]


def test_the_form_shows_the_current_details(logged_in, customer):
    customer.first_name, customer.phone = "Aliya", "+7 701 123 45 67"
    customer.save()

    page = logged_in.get(reverse("privacy:profile")).content.decode()

    assert 'value="Aliya"' in page
    assert 'value="+7 701 123 45 67"' in page
    assert "aliya@example.kz" in page


def test_a_customer_corrects_their_details(logged_in, customer):
    response = logged_in.post(
        reverse("privacy:profile"),
        {
            "first_name": "  Aliya ",
            "last_name": "Nurlan",
            "phone": "+7  701 123-45-67",
            "country": "Kazakhstan",
            "language": "kk",
        },
        follow=True,
    )

    assert response.redirect_chain == [(reverse("privacy:memory"), 302)]
    assert "Your details are saved." in response.content.decode()
    customer.refresh_from_db()
    assert (customer.first_name, customer.last_name) == ("Aliya", "Nurlan")
    assert customer.phone == "+7 701 123-45-67"
    assert (customer.country, customer.language) == ("Kazakhstan", "kk")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("phone", "call me maybe", "Enter a phone number with 7 to 15 digits"),
        ("phone", "12345", "Enter a phone number with 7 to 15 digits"),
        ("language", "de", "Select a valid choice"),
        ("first_name", "A" * 151, "Ensure this value has at most 150 characters"),
        ("country", "K" * 65, "Ensure this value has at most 64 characters"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    logged_in, customer, field, value, message
):
    data = {"first_name": "Aliya", "last_name": "", "phone": "", "country": "", "language": ""}
    data[field] = value

    response = logged_in.post(reverse("privacy:profile"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    customer.refresh_from_db()
    assert customer.first_name == ""


def test_emptying_a_field_stops_us_keeping_it(logged_in, customer):
    customer.phone = "+7 701 123 45 67"
    customer.save()

    logged_in.post(
        reverse("privacy:profile"),
        {"first_name": "", "last_name": "", "phone": "", "country": "", "language": ""},
    )

    customer.refresh_from_db()
    assert customer.phone == ""
    page = logged_in.get(reverse("privacy:memory")).content.decode()
    assert "+7 701 123 45 67" not in page
