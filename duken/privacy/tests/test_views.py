import pytest

from duken.privacy import services
from duken.privacy.models import ConsentRecord, Purpose, Source

BANNER = 'id="consent-banner"'


@pytest.mark.django_db
def test_the_banner_shows_until_the_visitor_chooses_and_then_disappears(client):
    # given
    assert BANNER in client.get("/cart/").content.decode()
    # when the visitor picks "Only necessary" without JavaScript
    response = client.post("/privacy/consent/", {"choice": "necessary", "next": "/cart/"})
    # then they go back where they were, and the banner is gone
    assert response.status_code == 302 and response["Location"] == "/cart/"
    page = client.get("/cart/").content.decode()
    assert BANNER not in page
    assert ConsentRecord.objects.filter(source=Source.BANNER, granted=False).count() == 3


@pytest.mark.django_db
def test_the_banner_answer_over_htmx_replaces_it_with_nothing(client):
    # when
    response = client.post("/privacy/consent/", {"choice": "all"}, HTTP_HX_REQUEST="true")
    # then
    assert response.status_code == 200 and response.content == b""
    assert services.COOKIE_NAME in response.cookies
    assert BANNER not in client.get("/cart/").content.decode()


@pytest.mark.django_db
def test_the_banner_check_costs_no_query_for_a_visitor_who_chose(client, django_assert_num_queries):
    # given
    client.post("/privacy/consent/", {"choice": "all"})
    client.get("/cart/")
    request = client.get("/cart/").wsgi_request
    request.__dict__.pop("_duken_consents", None)
    request.__dict__.pop("_duken_consent_cookie", None)
    # when / then
    with django_assert_num_queries(0):
        assert services.has_chosen(request)
        assert services.has_consent(request, Purpose.ANALYTICS)


@pytest.mark.django_db
def test_the_banner_shows_to_a_customer_until_they_choose(client, customer):
    # given
    client.force_login(customer)
    assert BANNER in client.get("/account/").content.decode()
    # when
    client.post("/privacy/consent/", {"choice": "necessary"})
    # then
    assert BANNER not in client.get("/account/").content.decode()
    assert ConsentRecord.objects.filter(user=customer).count() == 3


@pytest.mark.django_db
def test_a_visitor_chooses_purposes_on_the_consent_page(client):
    # given
    page = client.get("/privacy/consent/").content.decode()
    assert "Personalization" in page and "always on" in page
    # when
    response = client.post("/privacy/consent/", {"purposes": ["analytics", "necessary"]})
    # then
    assert response.status_code == 302
    request = client.get("/privacy/consent/").wsgi_request
    assert services.current_consents(request) == {
        "necessary": True,
        "analytics": True,
        "personalization": False,
        "marketing": False,
    }
    assert set(ConsentRecord.objects.values_list("source", flat=True)) == {Source.CONSENT_PAGE}


@pytest.mark.django_db
def test_the_account_privacy_page_requires_login(client):
    # when
    response = client.get("/account/privacy/")
    # then
    assert response.status_code == 302 and "/account/login/" in response["Location"]


@pytest.mark.django_db
def test_a_customer_saves_choices_and_sees_their_history(client, customer):
    # given
    client.force_login(customer)
    # when
    client.post("/account/privacy/", {"purposes": ["analytics", "marketing"]})
    client.post("/account/privacy/", {"purposes": ["marketing"]})
    # then
    assert not services.current_consents(customer)["analytics"]
    customer.refresh_from_db()
    assert customer.accepts_marketing
    page = client.get("/account/privacy/").content.decode()
    assert page.count("<td>withdrawn</td>") == 2  # personalization, then analytics
    assert page.count("<td>granted</td>") == 2
    assert "account page" in page
    assert set(ConsentRecord.objects.values_list("source", flat=True)) == {Source.ACCOUNT_PAGE}


@pytest.mark.django_db
def test_another_customers_records_are_never_shown(client, customer, other_customer):
    # given the other customer chose through the banner
    client.force_login(other_customer)
    client.post("/privacy/consent/", {"choice": "all"})
    client.logout()
    # when
    client.force_login(customer)
    page = client.get("/account/privacy/").content.decode()
    # then
    assert "You have not made any choice yet" in page
    assert "<td>granted</td>" not in page


@pytest.mark.django_db
def test_the_account_overview_links_to_the_privacy_page(client, customer):
    # given
    client.force_login(customer)
    # when
    page = client.get("/account/").content.decode()
    # then
    assert 'href="/account/privacy/"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("next_value", ["x", "-1", "javascript:alert(1)"])
def test_a_banner_answer_with_a_next_that_is_not_a_path_returns_to_the_consent_page(
    client, next_value
):
    # when
    response = client.post("/privacy/consent/", {"choice": "all", "next": next_value})
    # then the choice is kept and the visitor lands on the consent page
    assert response.status_code == 302 and response["Location"] == "/privacy/consent/"
    assert ConsentRecord.objects.filter(source=Source.BANNER, granted=True).count() == 3
