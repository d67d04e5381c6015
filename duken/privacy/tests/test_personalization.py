"""Personalization consent: one service call answers it, and a withdrawal counts from the very
next request."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponse
from django.urls import reverse

from duken.interactions.models import Event, Kind
from duken.privacy import memory
from duken.privacy import services as privacy
from duken.privacy.models import Purpose, Source
from duken.testing.factories import make_category, make_product

pytestmark = pytest.mark.django_db


def _personalization_cookie(granted: bool) -> str:
    response = HttpResponse()
    privacy.set_cookie(response, {Purpose.PERSONALIZATION: granted})
    return response.cookies[privacy.COOKIE_NAME].value


@pytest.fixture
def viewed(customer):
    kitchen = make_category(slug="kitchen", name="Kitchen")
    kettle = make_product(name="Copper Kettle", category=kitchen)
    Event.objects.create(
        user=customer,
        kind=Kind.PRODUCT_VIEW,
        content_type=ContentType.objects.get_for_model(kettle),
        object_id=kettle.pk,
    )
    return kettle


def test_nobody_is_personalized_without_a_choice(customer, make_request):
    assert not privacy.may_personalize(customer)
    assert not privacy.may_personalize(make_request(customer))
    assert not privacy.may_personalize(make_request())
    assert not privacy.may_personalize(AnonymousUser())
    assert not privacy.may_personalize(None)


def test_a_visitors_choice_is_read_from_the_consent_cookie(make_request):
    granted = make_request(cookies={privacy.COOKIE_NAME: _personalization_cookie(True)})
    refused = make_request(cookies={privacy.COOKIE_NAME: _personalization_cookie(False)})

    assert privacy.may_personalize(granted)
    assert not privacy.may_personalize(refused)


def test_a_customers_grant_and_withdrawal_count_at_once(customer, make_request):
    privacy.grant(make_request(customer), [Purpose.PERSONALIZATION], source=Source.ACCOUNT_PAGE)
    assert privacy.may_personalize(customer)
    assert privacy.may_personalize(make_request(customer))

    privacy.withdraw(make_request(customer), [Purpose.PERSONALIZATION], source=Source.ACCOUNT_PAGE)

    assert not privacy.may_personalize(customer)
    assert not privacy.may_personalize(make_request(customer))


def test_interests_for_personalization_need_consent(customer, make_request, viewed):
    key = memory.product_key(viewed.pk)
    # the customer always sees what we remember; personalization reads nothing without consent
    assert key in [i.key for i in memory.interests(customer)]
    assert memory.interests(customer, for_personalization=True) == []

    privacy.grant(make_request(customer), [Purpose.PERSONALIZATION], source=Source.ACCOUNT_PAGE)
    assert key in [i.key for i in memory.interests(customer, for_personalization=True)]

    privacy.withdraw(make_request(customer), [Purpose.PERSONALIZATION], source=Source.ACCOUNT_PAGE)
    assert memory.interests(customer, for_personalization=True) == []


def test_withdrawing_on_the_privacy_page_takes_effect_on_the_next_request(client, customer):
    client.force_login(customer)
    client.post(reverse("privacy:account"), {"purposes": ["personalization"]})
    assert "Personalization is on" in client.get(reverse("privacy:memory")).content.decode()

    client.post(reverse("privacy:account"), {"purposes": []})

    page = client.get(reverse("privacy:memory")).content.decode()
    assert "Personalization is off" in page
    assert not privacy.may_personalize(customer)
