import pytest
from django.core.exceptions import ValidationError

from duken.customers import services
from duken.customers.models import Address, User

ADDRESS = {
    "full_name": "Aigerim Nurlanovna",
    "phone": "+7 701 123 45 67",
    "region": "Almaty",
    "city": "Almaty",
    "street": "Abay Ave 10, flat 5",
    "postcode": "050000",
}


@pytest.mark.django_db
def test_register_customer_creates_a_user_who_can_log_in():
    # given / when
    user = services.register_customer(
        email=" Aigerim@Example.KZ ", password="kokteM-2026!", first_name="Aigerim", language="kk"
    )
    # then
    user.refresh_from_db()
    assert user.email == "aigerim@example.kz"
    assert user.check_password("kokteM-2026!")
    assert user.language == "kk"
    assert not user.is_staff and not user.is_demo


@pytest.mark.django_db
def test_passwords_are_stored_as_argon2id_hashes_only():
    # given / when a customer signs up
    user = services.register_customer(email="a@example.kz", password="kokteM-2026!")
    # then the database holds an argon2id hash, never the password
    stored = User.objects.values_list("password", flat=True).get(pk=user.pk)
    assert stored.startswith("argon2$argon2id$")
    assert "kokteM-2026!" not in stored


@pytest.mark.django_db
def test_register_customer_refuses_a_taken_email_in_any_case():
    # given
    services.register_customer(email="a@example.kz", password="kokteM-2026!")
    # when / then
    with pytest.raises(ValidationError) as exc:
        services.register_customer(email="A@EXAMPLE.kz", password="kokteM-2026!")
    assert "email" in exc.value.message_dict
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["123", "12345678901", "password"])
def test_register_customer_refuses_weak_passwords(password):
    with pytest.raises(ValidationError) as exc:
        services.register_customer(email="b@example.kz", password=password)
    assert "password" in exc.value.message_dict
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_customer_validates_email_and_phone():
    with pytest.raises(ValidationError) as exc:
        services.register_customer(email="not-an-email", password="kokteM-2026!", phone="call me")
    assert set(exc.value.message_dict) == {"email", "phone"}


@pytest.mark.django_db
def test_first_address_becomes_default_and_a_new_default_replaces_it():
    # given
    user = User.objects.create_user("c@example.kz", "kokteM-2026!")
    first = services.add_address(user, **ADDRESS)
    # when
    second = services.add_address(user, **{**ADDRESS, "street": "Dostyk 5"}, is_default=True)
    # then
    first.refresh_from_db()
    assert first.is_default is False
    assert second.is_default is True
    assert services.default_address(user) == second


@pytest.mark.django_db
def test_deleting_the_default_address_promotes_another():
    # given
    user = User.objects.create_user("d@example.kz", "kokteM-2026!")
    kept = services.add_address(user, **ADDRESS)
    default = services.add_address(user, **{**ADDRESS, "street": "Dostyk 5"}, is_default=True)
    # when
    services.delete_address(default)
    # then
    kept.refresh_from_db()
    assert kept.is_default is True
    assert list(Address.objects.filter(user=user)) == [kept]


@pytest.mark.django_db
def test_address_validation_reports_each_bad_field_and_saves_nothing():
    user = User.objects.create_user("e@example.kz", "kokteM-2026!")
    with pytest.raises(ValidationError) as exc:
        services.add_address(user, **{**ADDRESS, "phone": "12", "city": " ", "postcode": "#$%"})
    assert {"phone", "city", "postcode"} <= set(exc.value.message_dict)
    assert not Address.objects.exists()


@pytest.mark.django_db
def test_update_and_set_default_address():
    # given
    user = User.objects.create_user("f@example.kz", "kokteM-2026!")
    a = services.add_address(user, **ADDRESS)
    b = services.add_address(user, **{**ADDRESS, "street": "Dostyk 5"})
    # when
    services.update_address(b, city="Astana", region="Astana")
    services.set_default_address(b)
    # then
    a.refresh_from_db()
    b.refresh_from_db()
    assert (b.city, b.is_default, a.is_default) == ("Astana", True, False)
    assert services.address_as_dict(b)["city"] == "Astana"


@pytest.mark.django_db
def test_get_address_never_returns_another_users_address():
    owner = User.objects.create_user("g@example.kz", "kokteM-2026!")
    other = User.objects.create_user("h@example.kz", "kokteM-2026!")
    address = services.add_address(owner, **ADDRESS)
    with pytest.raises(Address.DoesNotExist):
        services.get_address(other, address.pk)
