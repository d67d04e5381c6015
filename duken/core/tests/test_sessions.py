from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from duken.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_saved_session_reads_back():
    # given
    store = SessionStore()
    store["cart_token"] = "abc"
    store.save()

    # when
    again = SessionStore(store.session_key)

    # then
    assert again["cart_token"] == "abc"
    assert again.session_key == store.session_key


def test_an_expired_session_reads_as_empty_and_gets_a_new_key():
    # given
    store = SessionStore()
    store["cart_token"] = "abc"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    # when
    again = SessionStore(store.session_key)

    # then
    assert again.get("cart_token") is None
    assert again.session_key is None


def test_an_unknown_key_reads_as_empty():
    assert SessionStore("x" * 32).get("cart_token") is None
