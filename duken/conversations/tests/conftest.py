import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from duken.orders.models import OrderStatus
from duken.testing.factories import make_order, make_product

XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


@pytest.fixture
def product(db):
    return make_product(name="Felt Slippers", price="5400", stock=5)


@pytest.fixture
def buyer(db, product):
    user = get_user_model().objects.create_user(
        "aliya@example.kz", "Steppe-Winds-2026", first_name="Aliya", last_name="Nurlanovna"
    )
    make_order(lines=[(product, 1, 0)], status=OrderStatus.DELIVERED, user=user, email=user.email)
    return user


@pytest.fixture
def other_buyer(db, product):
    user = get_user_model().objects.create_user(
        "daulet@example.kz", "Steppe-Winds-2026", first_name="Daulet"
    )
    make_order(lines=[(product, 2, 0)], status=OrderStatus.COMPLETED, user=user, email=user.email)
    return user


@pytest.fixture
def shopper(db):
    """Signed in, bought nothing."""
    return get_user_model().objects.create_user("marat@example.kz", "Steppe-Winds-2026")


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("staff@duken.example", "staff-pass-12345")


@pytest.fixture
def clerk(db):
    """Staff without any conversations permission."""
    user = get_user_model().objects.create_user(
        "clerk@duken.example", "staff-pass-12345", is_staff=True
    )
    user.user_permissions.add(Permission.objects.get(codename="view_order"))
    return user
