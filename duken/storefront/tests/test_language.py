import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [("kk", "Себет"), ("ru", "Корзина"), ("en", "Cart")],
)
def test_language_switch_changes_the_page_language(client, small_catalog, language, expected):
    # when the visitor picks a language in the header
    response = client.post("/i18n/setlang/", {"language": language, "next": "/c/mugs/"})
    # then they land back where they were, in that language
    assert response.status_code == 302
    assert response["Location"] == "/c/mugs/"
    html = client.get("/c/mugs/").content.decode()
    assert f'<html lang="{language}">' in html
    assert expected in html


@pytest.mark.django_db
def test_kazakh_and_russian_category_names_and_prices_in_tenge(client, small_catalog):
    client.post("/i18n/setlang/", {"language": "kk", "next": "/"})
    html = client.get("/c/mugs/").content.decode()
    assert "<h1>Саптыаяқтар</h1>" in html
    assert "1\u00a0200\u00a0₸" in html
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert "<h1>Кружки</h1>" in client.get("/c/mugs/").content.decode()


@pytest.mark.django_db
def test_default_language_is_russian(client, small_catalog, settings):
    # given a visitor who states no language preference
    # when / then
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="").content.decode()
    assert '<html lang="ru">' in html
    assert "Корзина" in html


@pytest.mark.django_db
def test_djangos_own_form_messages_are_kazakh_not_the_russian_fallback(client, settings):
    # given a Kazakh-speaking visitor
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    # when they sign up with a short, numeric password
    html = client.post(
        "/account/register/", {"email": "a@example.kz", "first_name": "A", "password": "123"}
    ).content.decode()
    # then Django's password checks speak Kazakh
    assert "Бұл құпиясөз тым қысқа" in html
    assert "тек сандардан тұрады" in html
    assert "слишком" not in html
