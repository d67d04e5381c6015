import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.http import HttpResponse

from duken.privacy import services
from duken.privacy.models import WORDING_VERSION, ConsentRecord, Purpose, Source


def _cookie_after(choices):
    response = HttpResponse()
    services.set_cookie(response, choices)
    return {services.COOKIE_NAME: response.cookies[services.COOKIE_NAME].value}


@pytest.mark.django_db
def test_without_any_choice_only_necessary_is_granted(customer, make_request):
    # given
    visitor, member = make_request(), make_request(customer)
    # when / then
    for request in (visitor, member):
        assert services.has_consent(request, Purpose.NECESSARY)
        assert not services.has_consent(request, Purpose.ANALYTICS)
        assert not services.has_consent(request, Purpose.PERSONALIZATION)
        assert not services.has_consent(request, Purpose.MARKETING)
    assert services.current_consents(customer) == {
        "necessary": True,
        "analytics": False,
        "personalization": False,
        "marketing": False,
    }


@pytest.mark.django_db
def test_grant_and_withdraw_are_stored_as_records_and_count_at_once(customer, make_request):
    # given
    request = make_request(customer)
    # when
    services.grant(request, [Purpose.ANALYTICS], source=Source.ACCOUNT_PAGE)
    # then
    assert services.has_consent(request, Purpose.ANALYTICS)
    assert services.has_consent(make_request(customer), Purpose.ANALYTICS)
    # when the customer withdraws in another request (another process, say)
    services.withdraw(make_request(customer), [Purpose.ANALYTICS], source=Source.ACCOUNT_PAGE)
    # then a fresh request sees it at once, and both changes are kept
    assert not services.has_consent(make_request(customer), Purpose.ANALYTICS)
    records = list(ConsentRecord.objects.filter(user=customer).order_by("id"))
    assert [(r.purpose, r.granted) for r in records] == [("analytics", True), ("analytics", False)]
    assert {r.wording_version for r in records} == {WORDING_VERSION}
    assert {r.source for r in records} == {"account_page"}


@pytest.mark.django_db
def test_saving_the_same_choice_again_adds_no_record(customer, make_request):
    # given
    services.set_consents(
        make_request(customer), {"analytics": True, "marketing": False}, source=Source.BANNER
    )
    # when
    services.set_consents(
        make_request(customer), {"analytics": True, "marketing": False}, source=Source.BANNER
    )
    # then
    assert ConsentRecord.objects.filter(user=customer).count() == 2


@pytest.mark.django_db
def test_a_logged_in_check_is_one_query_per_request(
    customer, make_request, django_assert_num_queries
):
    # given
    services.grant(make_request(customer), [Purpose.ANALYTICS], source=Source.BANNER)
    request = make_request(customer)
    # when / then
    with django_assert_num_queries(1):
        assert services.has_consent(request, Purpose.ANALYTICS)
        assert not services.has_consent(request, Purpose.MARKETING)
        assert services.has_consent(request, Purpose.ANALYTICS)


@pytest.mark.django_db
def test_an_anonymous_choice_is_kept_in_the_cookie_and_checked_without_a_query(
    make_request, django_assert_num_queries
):
    # given a visitor who accepted analytics only
    request = make_request()
    after = services.set_consents(
        request, {"analytics": True, "personalization": False, "marketing": False}, source="banner"
    )
    cookies = _cookie_after(after)
    # when
    later = make_request(cookies=cookies)
    with django_assert_num_queries(0):
        analytics = services.has_consent(later, Purpose.ANALYTICS)
        marketing = services.has_consent(later, Purpose.MARKETING)
        chosen = services.has_chosen(later)
    # then
    assert analytics and not marketing and chosen
    assert ConsentRecord.objects.filter(user=None, purpose="analytics", granted=True).count() == 1


def test_the_cookie_is_compact():
    # given / when
    value = services.cookie_value({"analytics": True, "personalization": False, "marketing": True})
    # then
    assert value == f"a1p0m1:v{WORDING_VERSION}"


@pytest.mark.django_db
def test_a_tampered_consent_cookie_is_ignored_and_logged(make_request, caplog):
    # given a real cookie for "necessary only", edited to claim every purpose
    real = _cookie_after({"analytics": False})[services.COOKIE_NAME]
    forged = real.replace("a0p0m0", "a1p1m1")
    garbage = "a1p1m1:v2026-11"
    # when / then
    for value in (forged, garbage):
        request = make_request(cookies={services.COOKIE_NAME: value})
        assert not services.has_consent(request, Purpose.ANALYTICS)
        assert not services.has_chosen(request)
    assert "consent cookie ignored" in caplog.text


@pytest.mark.django_db
def test_a_well_signed_but_malformed_cookie_is_ignored(make_request, caplog):
    # given
    signed = signing.TimestampSigner(salt=services.COOKIE_SALT).sign("a1p1m1x")
    request = make_request(cookies={services.COOKIE_NAME: signed})
    # when / then
    assert not services.has_consent(request, Purpose.ANALYTICS)
    assert "malformed" in caplog.text


@pytest.mark.django_db
def test_marketing_consent_keeps_accepts_marketing_in_sync(customer, make_request):
    # when
    services.grant(make_request(customer), [Purpose.MARKETING], source=Source.ACCOUNT_PAGE)
    # then
    customer.refresh_from_db()
    assert customer.accepts_marketing
    # when
    services.withdraw(make_request(customer), [Purpose.MARKETING], source=Source.ACCOUNT_PAGE)
    # then
    customer.refresh_from_db()
    assert not customer.accepts_marketing


@pytest.mark.django_db
def test_anonymous_choices_carry_over_on_login(client, customer):
    # given a visitor who accepted everything on the banner
    client.post("/privacy/consent/", {"choice": "all", "next": "/"})
    # when they log in
    response = client.post(
        "/account/login/", {"username": "aliya@example.kz", "password": "Steppe-Winds-2026"}
    )
    assert response.status_code == 302
    # then the choices are the customer's, marked as carried over
    assert services.current_consents(customer) == {
        "necessary": True,
        "analytics": True,
        "personalization": True,
        "marketing": True,
    }
    assert set(ConsentRecord.objects.filter(user=customer).values_list("source", flat=True)) == {
        Source.LOGIN
    }
    customer.refresh_from_db()
    assert customer.accepts_marketing


@pytest.mark.django_db
def test_a_customers_own_choices_win_over_the_visitors_on_login(client, customer, make_request):
    # given a customer who withdrew analytics earlier, and a visitor cookie accepting all
    services.withdraw(make_request(customer), [Purpose.ANALYTICS], source=Source.ACCOUNT_PAGE)
    client.post("/privacy/consent/", {"choice": "all", "next": "/"})
    # when
    client.post(
        "/account/login/", {"username": "aliya@example.kz", "password": "Steppe-Winds-2026"}
    )
    # then
    assert not services.current_consents(customer)["analytics"]
    assert not ConsentRecord.objects.filter(user=customer, source=Source.LOGIN).exists()


@pytest.mark.django_db
def test_the_consent_check_is_per_customer(customer, other_customer, make_request):
    # given
    services.grant(make_request(customer), [Purpose.ANALYTICS], source=Source.BANNER)
    # when / then
    assert not services.has_consent(make_request(other_customer), Purpose.ANALYTICS)
    assert get_user_model().objects.filter(accepts_marketing=True).count() == 0


@pytest.mark.django_db
def test_the_banner_and_consent_checks_share_one_query_for_a_customer(
    customer, make_request, django_assert_num_queries
):
    # given a customer who has not chosen yet
    request = make_request(customer)
    # when / then
    with django_assert_num_queries(1):
        assert not services.has_consent(request, Purpose.ANALYTICS)
        assert not services.has_chosen(request)
    # given the customer chose (in this session)
    services.grant(request, [Purpose.ANALYTICS], source=Source.BANNER)
    later = make_request(customer)
    later.session = request.session
    # when / then the session remembers the choice was made; the check itself still reads it
    with django_assert_num_queries(0):
        assert services.has_chosen(later)
    with django_assert_num_queries(1):
        assert services.has_consent(later, Purpose.ANALYTICS)
