"""The two providers that need no gateway: cash to the courier and bank transfer."""

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .base import PaymentProvider, PaymentStart


class CashOnDeliveryProvider(PaymentProvider):
    """The buyer pays the courier (or at the pickup point); staff record it on delivery."""

    code = "cash_on_delivery"
    name = _("Cash on delivery")
    description = _("Pay the courier or at the pickup point, in cash or by card.")

    def start(self, payment, *, request) -> PaymentStart:
        return PaymentStart(
            payment=payment,
            instructions={
                "kind": self.code,
                "amount": payment.amount,
                "currency": payment.currency,
                "message": gettext("Pay the courier or at the pickup point when you receive it."),
            },
        )


class BankTransferProvider(PaymentProvider):
    """The buyer transfers the money with the payment reference; staff confirm receipt."""

    code = "bank_transfer"
    name = _("Bank transfer")
    description = _("Transfer the amount to our account; we ship once it arrives.")

    def start(self, payment, *, request) -> PaymentStart:
        return PaymentStart(
            payment=payment,
            instructions={
                "kind": self.code,
                **settings.DUKEN_BANK_DETAILS,
                "reference": payment.reference,
                "amount": payment.amount,
                "currency": payment.currency,
                "message": gettext(
                    "Write the payment reference %(reference)s in the purpose of payment. "
                    "Your order ships once the money arrives."
                )
                % {"reference": payment.reference},
            },
        )
