import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory

from duken.interactions.visitor import REQUEST_ATTR, new_visitor_id
from duken.privacy import services as privacy
from duken.privacy.models import Purpose


def consent_cookie(*, analytics: bool) -> str:
    """The signed consent cookie a visitor gets after choosing in the banner."""
    response = HttpResponse()
    privacy.set_cookie(response, {Purpose.ANALYTICS: analytics})
    return response.cookies[privacy.COOKIE_NAME].value


@pytest.fixture
def consenting(client):
    """A test client whose visitor granted analytics."""
    client.cookies[privacy.COOKIE_NAME] = consent_cookie(analytics=True)
    return client


@pytest.fixture
def make_request(db):
    """A request as the middleware leaves it: a visitor id, a session and a user."""

    def make(*, user=None, analytics: bool | None = None, visitor=None, **meta):
        request = RequestFactory().get("/", **meta)
        if analytics is not None:
            request.COOKIES[privacy.COOKIE_NAME] = consent_cookie(analytics=analytics)
        request.session = SessionStore()
        request.user = user or AnonymousUser()
        setattr(request, REQUEST_ATTR, visitor or new_visitor_id())
        return request

    return make


@pytest.fixture
def make_user(db):
    def make(email="buyer@example.com", **fields):
        return get_user_model().objects.create_user(email=email, password="s3cret-Pass!", **fields)

    return make
