"""The shop's recommendation surfaces, each with a reason the shopper can read: product page,
cart, home page (personal only with consent), order confirmation, e-mail campaigns, the back
office's view of a customer and "What we remember about you"."""

import pytest
from django.contrib.contenttypes.models import ContentType

from duken.interactions.models import Event, Kind
from duken.privacy import services as privacy
from duken.privacy.models import Purpose, Source
from duken.recommendations import services, training
from duken.testing.accounts import login_verified
from duken.testing.factories import session_request

from . import shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained():
    data = shop.build()
    training.train(ranker=False)
    return data


def _personalization(user, granted: bool):
    choose = privacy.grant if granted else privacy.withdraw
    choose(session_request(user), [Purpose.PERSONALIZATION], source=Source.ACCOUNT_PAGE)


def _section(html: str, name: str) -> str:
    """The HTML of one recommendation section ('' when the page has none)."""
    start = html.find(f'data-recs="{name}"')
    if start < 0:
        return ""
    return html[start : html.find("</section>", start)]


def test_product_page_shows_bought_together_and_similar_with_reasons(client, trained):
    html = client.get("/p/pink-teacup/").content.decode()
    together = _section(html, "bought-together")
    assert "Often bought together" in together
    assert "Customers who bought Pink Regency Teacup also bought these" in together
    assert "Pink Regency Tea Plate" in together
    similar = _section(html, "similar")
    assert "Similar to Pink Regency Teacup" in similar
    assert "Green Regency Teacup" in similar
    assert "Moroccan Lantern" not in together + similar


def test_cart_suggests_what_completes_the_order(client, trained):
    p = trained["products"]
    client.post("/cart/add/", {"product_id": p["candle"].pk, "quantity": 1})
    html = client.get("/cart/").content.decode()
    section = _section(html, "complete-order")
    assert "Complete your order" in section
    assert "Heart Tealight Holder" in section
    assert "Often bought together with Vanilla Pillar Candle" in section
    # what is already in the cart is not suggested
    assert ">Vanilla Pillar Candle<" not in section


def test_home_page_is_personal_only_with_consent_and_withdrawal_counts_at_once(client, trained):
    aliya = trained["customers"]["aliya"]
    client.force_login(aliya)
    # given: Aliya allows personalization
    _personalization(aliya, True)
    html = client.get("/").content.decode()
    for_you = _section(html, "for-you")
    assert "For you" in for_you
    assert "Because you bought Pink Regency" in for_you
    assert "Regency Cakestand" in for_you
    # when: she withdraws it
    _personalization(aliya, False)
    html = client.get("/").content.decode()
    # then: the very next page has nothing derived from her history
    assert _section(html, "for-you") == ""
    assert _section(html, "recently-viewed") == ""
    assert "Because you bought" not in html
    # but the non-personal best sellers of her country
    assert "Popular in Kazakhstan" in _section(html, "popular-here")


def test_a_visitor_without_consent_never_gets_anything_from_their_history(client, trained):
    p = trained["products"]
    product_type = ContentType.objects.get_for_model(p["lantern"])
    client.get("/")  # the visitor cookie
    visitor = client.cookies["dk_vid"].value.split(":")[0] if "dk_vid" in client.cookies else ""
    Event.objects.create(
        visitor_id=visitor,
        kind=Kind.PRODUCT_VIEW,
        content_type=product_type,
        object_id=p["lantern"].pk,
    )
    html = client.get("/").content.decode()
    assert _section(html, "recently-viewed") == "" and _section(html, "for-you") == ""


def test_recently_viewed_with_personalization(client, trained):
    p, daulet = trained["products"], trained["customers"]["daulet"]
    client.force_login(daulet)
    _personalization(daulet, True)
    product_type = ContentType.objects.get_for_model(p["lantern"])
    Event.objects.create(
        user=daulet, kind=Kind.PRODUCT_VIEW, content_type=product_type, object_id=p["lantern"].pk
    )
    section = _section(client.get("/").content.decode(), "recently-viewed")
    assert "Products you looked at recently" in section and "Moroccan Lantern" in section


def test_order_confirmation_shows_what_others_bought_with_it(client, trained):
    p, emma = trained["products"], trained["customers"]["emma"]
    order = trained["order"](emma, "teacup", days_ago=0)
    client.force_login(emma)
    html = client.get(f"/checkout/done/{order.number}/").content.decode()
    if 'data-recs="also-bought"' not in html:  # the confirmation URL of this shop
        from django.urls import reverse

        html = client.get(
            reverse("storefront:order_confirmation", args=[order.number])
        ).content.decode()
    section = _section(html, "also-bought")
    assert "Customers who bought these also bought" in section
    assert "Pink Regency Tea Plate" in section
    assert "Often bought together with Pink Regency Teacup" in section
    assert p["teacup"].name + "</h3>" not in section


def test_email_recommendations_respect_consent(trained):
    aliya = trained["customers"]["aliya"]
    # without consent: best sellers of her country, no reason from her history
    items = services.recommend_for_email(aliya, k=4)
    assert len(items) == 4
    assert all(reason == "Popular in Kazakhstan" for _product, reason in items)
    # with consent: her own list first
    _personalization(aliya, True)
    items = services.recommend_for_email(aliya, k=4)
    assert items[0][1].startswith("Because you bought")
    assert items[0][0].name == "Regency Cakestand"


def test_email_recommendations_for_nobody_are_best_sellers(trained):
    items = services.recommend_for_email(None, k=3)
    assert [reason for _p, reason in items] == ["Popular in Kazakhstan"] * 3


def test_staff_see_what_a_customer_would_be_recommended_and_why(client, trained, admin_user):
    aliya = trained["customers"]["aliya"]
    login_verified(client, admin_user)
    # without her consent staff see that only non-personal ones are shown
    html = client.get(f"/staff/recommendations/customer/{aliya.pk}/").content.decode()
    assert "does not allow personalization" in html
    assert "Personal list, not shown without consent" in html
    _personalization(aliya, True)
    html = client.get(f"/staff/recommendations/customer/{aliya.pk}/").content.decode()
    assert "allows personalization" in html
    assert "Regency Cakestand" in html and "Because you bought Pink Regency" in html
    assert "Interests behind the recommendations" in html
    # and when the lists were last trained, as one readable sentence
    assert "Last full training: " in html and "m.." not in html


def test_the_staff_customer_timeline_shows_the_recommendations(client, trained, admin_user):
    aliya = trained["customers"]["aliya"]
    _personalization(aliya, True)
    login_verified(client, admin_user)
    html = client.get(f"/backoffice/customers/{aliya.pk}/").content.decode()
    panel = html[html.find('id="customer-recommendations"') :]
    assert "allows personalization" in panel
    assert "Because you bought Pink Regency" in panel


def test_staff_pages_are_for_staff_only(client, trained):
    aliya = trained["customers"]["aliya"]
    client.force_login(aliya)
    response = client.get(f"/staff/recommendations/customer/{aliya.pk}/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = client.get(f"/recommendations/customer/{aliya.pk}/")
    assert response.status_code == 302


def test_a_catalog_editor_cannot_read_a_customers_recommendations(client, trained):
    # given a staff member who edits the catalog and may not see customers
    from django.contrib.auth.models import Group

    from duken.customers.models import User

    aliya = trained["customers"]["aliya"]
    editor = User.objects.create_user("editor@example.kz", "kokteM-2026!e", is_staff=True)
    editor.groups.add(Group.objects.get(name="Catalog editors"))
    login_verified(client, editor)
    # when they open a customer's recommendations, as a page or as JSON
    for url in (
        f"/staff/recommendations/customer/{aliya.pk}/",
        f"/recommendations/customer/{aliya.pk}/",
    ):
        response = client.get(url)
        # then they are refused and see nothing of her
        assert response.status_code == 403, url
        assert aliya.email not in response.content.decode()
    # while support staff, who serve customers, may
    editor.groups.set([Group.objects.get(name="Support")])
    assert client.get(f"/recommendations/customer/{aliya.pk}/").status_code == 200


def test_what_we_remember_lists_the_interests_behind_recommendations(client, trained):
    aliya = trained["customers"]["aliya"]
    client.force_login(aliya)
    _personalization(aliya, True)
    html = client.get("/account/memory/").content.decode()
    assert "Behind your recommendations: Pink Regency" in html
    assert "You bought it, so we suggest products often bought with it." in html


def test_forgetting_an_interest_behind_recommendations_takes_it_out(
    client, trained, django_capture_on_commit_callbacks
):
    from duken.recommendations.models import CustomerRecommendations

    p, aliya = trained["products"], trained["customers"]["aliya"]
    client.force_login(aliya)
    _personalization(aliya, True)
    before = CustomerRecommendations.objects.get(user=aliya).items
    drivers = {item[3] for item in before if item[3]}
    assert p["teacup"].pk in drivers
    # when: she forgets the teacup as a reason, from the "What we remember" page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/memory/forget/", {"key": f"recommendation:{p['teacup'].pk}"}
        )
    assert response.status_code in (200, 302)
    # then
    after = CustomerRecommendations.objects.get(user=aliya).items
    assert p["teacup"].pk not in {item[3] for item in after}
    html = client.get("/").content.decode()
    assert "Because you bought Pink Regency Teacup" not in html
