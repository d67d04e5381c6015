"""The one interface every payment provider implements.

A gateway plugs in by subclassing ``PaymentProvider`` and listing the class in the
``DUKEN_PAYMENT_PROVIDERS`` setting. Duken creates the ``Payment`` (amount, reference,
idempotency key) and calls ``start``; the provider answers with where to send the buyer or
what to tell them. Providers that confirm asynchronously receive their server-to-server
callbacks through ``handle_callback``, which must prove the callback is authentic.
"""

import abc
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class PaymentStart:
    payment: object
    # Where to send the buyer (a hosted payment page), or None when nothing is to be done online.
    redirect_url: str | None = None
    # What to show the buyer: bank details and reference, or a note about paying the courier.
    instructions: dict = field(default_factory=dict)


@dataclass
class CallbackResult:
    """What an authentic provider message says about one payment."""

    reference: str
    status: str  # a Payment.Status value: succeeded, declined, pending, ...
    amount: Decimal
    currency: str
    idempotency_key: str
    provider_reference: str = ""
    payload: dict = field(default_factory=dict)


class CallbackRejected(Exception):
    """A callback that is not authentic or not acceptable; nothing may change."""

    def __init__(self, reason: str, payload: dict | None = None):
        self.reason = reason
        self.payload = payload or {}
        super().__init__(reason)


class PaymentProvider(abc.ABC):
    #: The payment method code orders store (``Order.payment_method``).
    code: str = ""
    #: The buyer-facing name and a one-line description (lazily translated strings).
    name = ""
    description = ""
    #: A test gateway that takes no money; the storefront says so wherever it is offered.
    is_test: bool = False
    #: Seconds an unconfirmed payment waits before it times out; None: it never does.
    expires_after: int | None = None

    @property
    def slug(self) -> str:
        """The provider's name in URLs (its callback address is /payments/callback/<slug>/)."""
        return self.code

    @abc.abstractmethod
    def start(self, payment, *, request) -> PaymentStart:
        """Begin collecting ``payment``; must be safe to call again for the same payment."""

    def handle_callback(self, request) -> CallbackResult:
        """Verify a provider callback and say what it reports; raise ``CallbackRejected``
        when it is not authentic (bad signature, stale, malformed)."""
        raise CallbackRejected("this provider sends no callbacks")

    def verify_return(self, request, payment) -> CallbackResult | None:
        """The signed result a provider attached to the buyer's return, if any."""
        return None

    def refund(self, payment) -> None:
        """Give the money back; providers that cannot refund online leave it to staff."""
        raise NotImplementedError(f"{self.code} payments are refunded by staff")
