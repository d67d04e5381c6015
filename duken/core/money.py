"""Money: a Decimal amount with a currency code, quantized in one place.

Every total in Duken is computed with these helpers; floats never touch an amount.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings

# Minor-unit precision per currency (ISO 4217). The tenge's tiyn are not used in retail
# prices, but the currency has two decimals and amounts keep them.
CURRENCY_PRECISION = {"KZT": 2, "RUB": 2, "USD": 2, "EUR": 2, "GBP": 2, "JPY": 0}
CURRENCY_SYMBOL = {"KZT": "₸", "RUB": "₽", "USD": "$", "EUR": "€", "GBP": "£"}


def default_currency() -> str:
    return settings.DUKEN_CURRENCY


def quantize(amount, currency: str | None = None) -> Decimal:
    """Round ``amount`` to the currency's precision (half up, as shops and receipts do)."""
    currency = currency or default_currency()
    places = CURRENCY_PRECISION.get(currency, 2)
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str = "KZT"

    def __post_init__(self):
        object.__setattr__(self, "amount", quantize(self.amount, self.currency))

    def __add__(self, other: "Money") -> "Money":
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> "Money":
        return Money(self.amount * Decimal(factor), self.currency)

    def _check(self, other):
        if not isinstance(other, Money) or other.currency != self.currency:
            raise ValueError("cannot combine amounts in different currencies")

    def __str__(self):
        return format_money(self.amount, self.currency)


def format_money(amount, currency: str | None = None) -> str:
    """Format like Kazakh shops do: ``12 345 ₸`` (thin spaces, no tiyn when whole)."""
    currency = currency or default_currency()
    value = quantize(amount, currency)
    whole = value == value.to_integral_value()
    text = f"{value:,.0f}" if whole else f"{value:,.2f}"
    text = text.replace(",", "\u00a0").replace(".", ",")
    symbol = CURRENCY_SYMBOL.get(currency, currency)
    return f"{text}\u00a0{symbol}"
