"""Staff customer search: one box that finds customers by name, e-mail, phone or order number.

- An order number (exact, any letter case) goes straight to the customer who placed it.
- Every word must match the first or the last name (so "Dana Serikova" and "Serikova Dana"
  both work) or the e-mail address. PostgreSQL compares without letter case in every script;
  SQLite only folds Latin letters, so there each word is also tried in lower case, upper case
  and capitalized, which covers how Cyrillic names are written.
- A part of an e-mail address matches.
- A phone number matches whatever its separators and whether it starts with +7 or 8: the last
  ten digits are compared with the digits of the customer's phone, of their addresses and of
  their orders.
"""

import re
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext as _

from duken.orders.models import Order

from .models import Address, User

MAX_QUERY_LENGTH = 100
MIN_PHONE_DIGITS = 5
_PHONE_QUERY = re.compile(r"^\+?[\d\s\-().]+$")
_ORDER_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{2,19}$")


class SearchError(ValueError):
    def __init__(self, message):
        self.message = message
        super().__init__(message)


@dataclass
class CustomerSearch:
    query: str
    customers: QuerySet  # of User, newest first
    order: Order | None = None  # the order whose number was typed, when there is one

    @property
    def customer(self) -> User | None:
        """The customer to open at once: the one who placed the order typed."""
        return self.order.user if self.order is not None else None


def _variants(word: str) -> set[str]:
    return {word, word.lower(), word.upper(), word.capitalize()}


def _contains_any(field: str, word: str) -> Q:
    q = Q()
    for variant in _variants(word):
        q |= Q(**{f"{field}__icontains": variant})
    return q


def phone_digits(value: str) -> str:
    """The digits that identify a phone number: the last ten of a Kazakh/Russian number given
    with +7 or 8, all of them otherwise."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 11 and digits[0] in "78":
        return digits[1:]
    return digits


def _digits_of(field: str):
    expression = F(field)
    for char in (" ", "-", "(", ")", "+", "."):
        expression = Replace(expression, Value(char), Value(""))
    return expression


def _phone_q(digits: str) -> Q:
    users = User.objects.annotate(d=_digits_of("phone")).filter(d__contains=digits)
    addresses = Address.objects.annotate(d=_digits_of("phone")).filter(d__contains=digits)
    orders = Order.objects.filter(user__isnull=False).annotate(d=_digits_of("phone"))
    orders = orders.filter(d__contains=digits)
    return (
        Q(pk__in=users.values("pk"))
        | Q(pk__in=addresses.values("user_id"))
        | Q(pk__in=orders.values("user_id"))
    )


def search_customers(query: str) -> CustomerSearch:
    """Customers matching ``query`` (every customer, newest first, for an empty query).
    Raises ``SearchError`` for a query too long to be a name, address, phone or number."""
    query = " ".join((query or "").replace("\x00", "").split())
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchError(
            _("Search for at most %(max)d characters: a name, e-mail, phone or order number.")
            % {"max": MAX_QUERY_LENGTH}
        )
    customers = User.objects.order_by("-date_joined", "-pk")
    if not query:
        return CustomerSearch(query, customers)
    order = None
    if _ORDER_NUMBER.match(query):
        order = Order.objects.filter(number__iexact=query).select_related("user").first()
    condition = Q(email__icontains=query.lower())
    if _PHONE_QUERY.match(query):
        digits = phone_digits(query)
        if len(digits) >= MIN_PHONE_DIGITS:
            condition |= _phone_q(digits)
    else:
        names = Q()
        for word in query.split():
            names &= (
                _contains_any("first_name", word)
                | _contains_any("last_name", word)
                | Q(email__icontains=word.lower())
            )
        condition |= names
    if order is not None and order.user_id:
        condition |= Q(pk=order.user_id)
    return CustomerSearch(query, customers.filter(condition), order)
