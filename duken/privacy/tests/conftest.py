import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory


@pytest.fixture
def customer(db):
    return get_user_model().objects.create_user("aliya@example.kz", "Steppe-Winds-2026")


@pytest.fixture
def other_customer(db):
    return get_user_model().objects.create_user("daulet@example.kz", "Steppe-Winds-2026")


@pytest.fixture
def make_request():
    def make(user=None, cookies=None):
        request = RequestFactory().get("/")
        request.user = user or AnonymousUser()
        request.session = SessionStore()
        request.COOKIES.update(cookies or {})
        return request

    return make
