import pytest
from django.contrib.auth import get_user_model

from duken.testing.factories import make_product

XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


@pytest.fixture
def sold_out(db):
    return make_product(name="Felt Slippers", price="5400", stock=0, allow_backorder=False)


@pytest.fixture
def shopper(db):
    return get_user_model().objects.create_user(
        "aliya@example.kz", "Steppe-Winds-2026", first_name="Aliya"
    )


@pytest.fixture
def other(db):
    return get_user_model().objects.create_user("daulet@example.kz", "Steppe-Winds-2026")


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("staff@duken.example", "staff-pass-12345")
