"""The sandbox gateway itself: the hosted card page's logic, its ledger and its callbacks.

It plays the part of an external provider, so it knows payments only through the session the
shop opened (see ``providers.sandbox``) and talks back only through signed messages. The card
number is checked and turned into an outcome here and then dropped: it is never stored,
logged or sent anywhere.
"""

import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from .models import SandboxCharge
from .providers.sandbox import SIGNATURE_HEADER, sign_body, sign_result

logger = logging.getLogger("duken.payments.sandbox")

Outcome = SandboxCharge.Outcome
TEST_CARDS = {
    "4242424242424242": Outcome.SUCCEEDED,
    "4000000000000002": Outcome.DECLINED,
    "4000000000000119": Outcome.NO_ANSWER,
}
CALLBACK_ATTEMPTS = 3


class CardError(Exception):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(message)


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_outcome(number: str, expiry: str, cvc: str, *, today: date | None = None) -> str:
    """The outcome a test card decides; raises ``CardError`` for input a gateway refuses."""
    digits = re.sub(r"[\s-]", "", number or "")
    # ASCII digits only: "²" is a digit to str.isdigit() that int() refuses
    well_formed = digits.isascii() and digits.isdigit() and 12 <= len(digits) <= 19
    if not well_formed or not luhn_valid(digits):
        raise CardError("number", _("This card number is not valid."))
    match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", expiry or "")
    if not match or not 1 <= int(match[1]) <= 12:
        raise CardError("expiry", _("Enter the expiry date as MM/YY."))
    month, year = int(match[1]), int(match[2])
    year = year + 2000 if year < 100 else year
    today = today or date.today()
    if (year, month) < (today.year, today.month):
        raise CardError("expiry", _("This card has expired."))
    if not re.fullmatch(r"\d{3,4}", (cvc or "").strip()):
        raise CardError("cvc", _("Enter the 3 or 4 digits from the back of the card."))
    outcome = TEST_CARDS.get(digits)
    if outcome is None:
        raise CardError("number", _("Test mode accepts only the test cards listed on this page."))
    return outcome


@dataclass
class ChargeResult:
    charge: SandboxCharge
    return_url: str


def charge(session: dict, outcome: str) -> ChargeResult:
    """Charge once per idempotency key: a resubmitted form finds the first charge."""
    with transaction.atomic():
        record, created = SandboxCharge.objects.get_or_create(
            idempotency_key=session["idempotency_key"],
            defaults={
                "reference": session["reference"],
                "amount": session["amount"],
                "currency": session["currency"],
                "outcome": outcome,
            },
        )
        # The bank reports charges; a timeout never answers and a cancel never reached it.
        if created and record.outcome in (Outcome.SUCCEEDED, Outcome.DECLINED):
            message = callback_body(session, record)
            transaction.on_commit(lambda: send_callback(session["callback_url"], message))
    logger.info(
        "sandbox charge",
        extra={"reference": record.reference, "outcome": record.outcome, "repeated": not created},
    )
    return ChargeResult(record, return_url_for(session, record))


def callback_body(session: dict, record: SandboxCharge) -> bytes:
    return json.dumps(
        {
            "reference": session["reference"],
            "amount": str(record.amount),
            "currency": record.currency,
            "status": record.outcome,
            "idempotency_key": str(record.idempotency_key),
            "charge_id": f"sbx_{record.pk}",
            "timestamp": int(time.time()),
        },
        separators=(",", ":"),
    ).encode()


def return_url_for(session: dict, record: SandboxCharge) -> str:
    status = "pending" if record.outcome == Outcome.NO_ANSWER else record.outcome
    token = sign_result(
        {
            "reference": session["reference"],
            "amount": str(record.amount),
            "currency": record.currency,
            "status": status,
            "idempotency_key": str(record.idempotency_key),
            "charge_id": f"sbx_{record.pk}",
        }
    )
    separator = "&" if "?" in session["return_url"] else "?"
    return f"{session['return_url']}{separator}result={token}"


def post_callback(url: str, body: bytes, *, timeout: float = 10) -> int:
    """One signed POST to the shop; returns the HTTP status (0 when unreachable)."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign_body(body)},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError) as exc:
        logger.warning("sandbox callback unreachable", extra={"url": url, "error": str(exc)})
        return 0


def _deliver(url: str, body: bytes) -> None:
    for attempt in range(1, CALLBACK_ATTEMPTS + 1):
        status = post_callback(url, body)
        if 200 <= status < 500:
            logger.info("sandbox callback sent", extra={"url": url, "status": status})
            return
        time.sleep(attempt)
    logger.warning("sandbox callback gave up", extra={"url": url})


def send_callback(url: str, body: bytes) -> threading.Thread:
    """Deliver the callback from a background thread, as a gateway's servers would."""
    thread = threading.Thread(target=_deliver, args=(url, body), daemon=True)
    thread.start()
    return thread
