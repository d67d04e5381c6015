"""A customer with a bit of everything the shop holds, for the export and erasure tests."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from duken.catalog.models import SearchQuery
from duken.conversations.models import ChatMessage, Conversation, Question, Review
from duken.customers.models import Address, CustomerFact
from duken.interactions.models import Event, Kind
from duken.needs.models import BackInStockRequest, ProductRequest, WishlistItem
from duken.payments.models import Payment
from duken.privacy.models import ConsentRecord, ForgottenItem, Purpose, Source
from duken.testing.factories import make_order, make_product

PASSWORD = "Steppe-Winds-2026"


def rich_customer(email: str, *, name: str, visitor: str, product=None):
    """A customer named ``name`` whose every row carries ``name`` or ``email`` somewhere, so
    a test can tell whose data a file holds."""
    user = get_user_model().objects.create_user(
        email, PASSWORD, first_name=name, last_name="Testova", phone="+77010000000"
    )
    product = product or make_product(name=f"Product of {name}")
    Address.objects.create(
        user=user,
        full_name=f"{name} Testova",
        phone="+77010000000",
        region="Almaty",
        city="Almaty",
        street=f"{name} street 1",
    )
    order = make_order(
        lines=[(product, 2, 0)],
        user=user,
        email=email,
        phone="+77010000000",
        ship_full_name=f"{name} Testova",
        ship_city="Almaty",
        ship_region="Almaty",
        ship_street=f"{name} street 1",
        customer_note=f"Call {name} first",
    )
    Payment.objects.create(
        order=order, provider="bank_transfer", amount=order.total, reference=f"PAY-{name}"
    )
    Event.objects.create(
        user=user, visitor_id=visitor, kind=Kind.SEARCH, properties={"query": f"{name} boots"}
    )
    # before logging in, in the same browser
    Event.objects.create(visitor_id=visitor, kind=Kind.PAGE_VIEW, properties={"path": "/"})
    SearchQuery.objects.create(
        query=f"{name} boots", normalized=f"{name} boots", result_count=1, user=user
    )
    ConsentRecord.objects.create(
        user=user,
        visitor_id=visitor,
        purpose=Purpose.ANALYTICS,
        granted=True,
        wording_version="2026-11",
        source=Source.BANNER,
    )
    Review.objects.create(product=product, user=user, rating=5, text=f"{name} loves it")
    Question.objects.create(product=product, user=user, text=f"{name} asks: does it fit?")
    chat = Conversation.objects.create(customer=user)
    ChatMessage.objects.create(conversation=chat, author=user, text=f"{name} needs help")
    CustomerFact.objects.create(customer=user, text=f"{name} wears size 42", source_kind="account")
    ForgottenItem.objects.create(user=user, key=f"search:{name}")
    WishlistItem.objects.create(customer=user, product=product)
    BackInStockRequest.objects.create(customer=user, product=product)
    ProductRequest.objects.create(
        customer=user, text=f"{name} wants red boots", normalized="red boots"
    )
    return user, order


def now():
    return timezone.now()


ZERO = Decimal("0")
