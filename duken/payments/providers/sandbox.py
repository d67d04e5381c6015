"""Card payments through the built-in sandbox gateway, the way a real gateway works.

``start`` opens a hosted payment session and sends the buyer to the gateway's page; the
gateway later reports the outcome in an HMAC-SHA256-signed server-to-server callback (and in a
signed result on the buyer's return). Card numbers only ever reach the gateway's page.
"""

import base64
import hashlib
import hmac
import json
import math
import time
import zlib
from decimal import Decimal, InvalidOperation

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from duken.core import jsondata

from .base import CallbackRejected, CallbackResult, PaymentProvider, PaymentStart

SIGNATURE_HEADER = "X-Sandbox-Signature"
SESSION_SALT = "duken.payments.sandbox.session"
RESULT_SALT = "duken.payments.sandbox.result"
REPORTED_STATUSES = {"succeeded", "declined"}


def secret() -> str:
    return settings.DUKEN_PAYMENT_SANDBOX_SECRET


def sign_body(body: bytes) -> str:
    return hmac.new(secret().encode(), body, hashlib.sha256).hexdigest()


def callback_max_age() -> int:
    return int(getattr(settings, "DUKEN_PAYMENT_CALLBACK_MAX_AGE", 300))


def payment_timeout() -> int:
    return int(getattr(settings, "DUKEN_PAYMENT_TIMEOUT", 15 * 60))


def _fernet(purpose: str) -> Fernet:
    key = hashlib.sha256(f"{purpose}:{secret()}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _seal(data: dict, purpose: str) -> str:
    """``data`` encrypted and authenticated: the buyer carries it but cannot read or change it
    (a signed token would show them every field the gateway's callback uses)."""
    raw = zlib.compress(json.dumps(data, separators=(",", ":")).encode())
    return _fernet(purpose).encrypt(raw).decode().rstrip("=")


def _unseal(token: str, purpose: str, *, max_age: int) -> dict:
    """What ``_seal`` sealed; ``signing.BadSignature`` for anything forged, changed or older
    than ``max_age`` seconds."""
    try:
        padded = token + "=" * (-len(token) % 4)
        raw = _fernet(purpose).decrypt(padded.encode("ascii"), ttl=max_age)
        data = json.loads(zlib.decompress(raw))
    except (InvalidToken, UnicodeEncodeError, ValueError, zlib.error):
        raise signing.BadSignature("not a token of this gateway") from None
    if not isinstance(data, dict):
        raise signing.BadSignature("not a token of this gateway")
    return data


def open_session(data: dict) -> str:
    """The gateway's hosted-page session, as an opaque token only the gateway can read."""
    return _seal(data, SESSION_SALT)


def read_session(token: str) -> dict:
    """The session behind a hosted-page link; raises ``signing.BadSignature`` for a forged
    link and ``signing.SignatureExpired`` once the shop's payment window has closed (so a
    buyer cannot pay an attempt the shop already gave up on)."""
    data = _unseal(token, SESSION_SALT, max_age=payment_timeout() * 4)
    if data.get("expires") is not None and time.time() > float(data["expires"]):
        raise signing.SignatureExpired("the payment session has expired")
    return data


def sign_result(data: dict) -> str:
    return _seal(data, RESULT_SALT)


def _result(data: dict) -> CallbackResult:
    try:
        result = CallbackResult(
            reference=str(data["reference"]),
            status=str(data["status"]),
            amount=Decimal(str(data["amount"])),
            currency=str(data["currency"]),
            idempotency_key=str(data["idempotency_key"]),
            provider_reference=str(data.get("charge_id", "")),
            payload=data,
        )
    except (KeyError, TypeError, InvalidOperation) as exc:
        raise CallbackRejected("malformed callback body", data) from exc
    if not result.amount.is_finite():
        raise CallbackRejected("malformed callback body", data)
    return result


class SandboxCardProvider(PaymentProvider):
    code = "card"
    name = _("Bank card")
    description = _("Visa, Mastercard: pay online on the secure payment page.")
    is_test = True

    @property
    def slug(self) -> str:
        return "sandbox"

    @property
    def expires_after(self) -> int:
        return payment_timeout()

    def start(self, payment, *, request) -> PaymentStart:
        from duken.payments.services import payment_status_url

        session = open_session(
            {
                "reference": payment.reference,
                "amount": str(payment.amount),
                "currency": payment.currency,
                "idempotency_key": str(payment.idempotency_key),
                "merchant": "Duken",
                "expires": payment.expires_at.timestamp() if payment.expires_at else None,
                "callback_url": request.build_absolute_uri(
                    reverse("payments:callback", args=[self.slug])
                ),
                "return_url": request.build_absolute_uri(payment_status_url(payment)),
            }
        )
        url = request.build_absolute_uri(reverse("payments:sandbox_page", args=[session]))
        return PaymentStart(payment=payment, redirect_url=url, instructions={"kind": self.code})

    def handle_callback(self, request) -> CallbackResult:
        body = request.body
        try:
            data = jsondata.loads(body)
            if not isinstance(data, dict):
                raise ValueError
        except ValueError:
            raise CallbackRejected("body is not a JSON object") from None
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(given.encode(), sign_body(body).encode()):
            raise CallbackRejected("bad signature", data)
        try:
            timestamp = float(data["timestamp"])
        except (KeyError, TypeError, ValueError, OverflowError):
            raise CallbackRejected("missing timestamp", data) from None
        if not math.isfinite(timestamp):
            # "nan" would pass the age check below: every comparison with NaN is false.
            raise CallbackRejected("missing timestamp", data)
        age = time.time() - timestamp
        if age > callback_max_age() or age < -60:
            raise CallbackRejected("stale timestamp", data)
        result = _result(data)
        if result.status not in REPORTED_STATUSES:
            raise CallbackRejected("unknown status", data)
        return result

    def verify_return(self, request, payment) -> CallbackResult | None:
        token = request.GET.get("result")
        if not token:
            return None
        try:
            data = _unseal(token, RESULT_SALT, max_age=payment_timeout() * 4)
        except signing.BadSignature:
            raise CallbackRejected(
                "bad return signature", {"reference": payment.reference}
            ) from None
        result = _result(data)
        if result.reference != payment.reference:
            raise CallbackRejected("return is for another payment", data)
        return result
