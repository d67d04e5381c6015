"""Checking a receipt file: is the signature one of the shop's published keys made over this
very document, and did the shop issue it? When the file carries the signature of a receipt the
shop issued, every difference from that receipt is named.

Differences are shown only against the receipt whose signature the file carries: whoever has
the signature has had the genuine receipt, so naming its original values tells them nothing
new. A file that merely names an order number learns nothing about that order's receipt.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..models import Receipt
from . import keyring
from .differences import describe
from .documents import FILE_FORMAT, canonical, receipt_file

# A receipt of a few hundred lines is far below this; anything larger is not one.
MAX_FILE_BYTES = 256 * 1024
SIGNATURE_BYTES = 64


class ReceiptFileError(Exception):
    """Not a receipt file at all (garbled, not JSON, missing parts); the message says what."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class ReceiptFile:
    document: dict
    signature: bytes | None  # None: not a 64-byte base64 signature
    key_id: str


def _decode_signature(value: str) -> bytes | None:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == SIGNATURE_BYTES else None


def read_receipt_file(data: bytes | str) -> ReceiptFile:
    """The receipt in ``data`` (a downloaded receipt file), or ``ReceiptFileError``."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise ReceiptFileError(_("The file is too large to be a receipt (at most 256 KB)."))
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ReceiptFileError(_("This is not a receipt file: it is not text.")) from None
    except (ValueError, RecursionError):
        raise ReceiptFileError(
            _("This is not a receipt file: its contents are not valid JSON.")
        ) from None
    if not isinstance(parsed, dict) or parsed.get("format") != FILE_FORMAT:
        raise ReceiptFileError(
            _("This is not a Duken receipt file: it does not say “format”: “%(format)s”.")
            % {"format": FILE_FORMAT}
        )
    document, signature, key_id = (parsed.get(k) for k in ("receipt", "signature", "key_id"))
    for name, value, kind in (("receipt", document, dict), ("signature", signature, str)):
        if not isinstance(value, kind):
            raise ReceiptFileError(
                _("The receipt file is incomplete: “%(part)s” is missing or damaged.")
                % {"part": name}
            )
    if (
        not isinstance(key_id, str)
        or not isinstance(document.get("order"), str)
        # no receipt holds a NUL character (and no database could look one up)
        or any("\x00" in text for text in (key_id, signature, document["order"]))
    ):
        raise ReceiptFileError(
            _("The receipt file is incomplete: the key id or the order number is missing.")
        )
    try:
        canonical(document)
    except (ValueError, RecursionError):
        raise ReceiptFileError(_("The receipt holds values no receipt can have.")) from None
    return ReceiptFile(document, _decode_signature(signature), key_id.strip())


@dataclass
class Verdict:
    file: ReceiptFile
    key: keyring.PublicKey | None
    signature_matches: bool
    # Whether the shop's records were consulted (not for an offline check with a keys file).
    compared: bool
    stored: Receipt | None = None
    differences: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        if not self.signature_matches:
            return False
        return not self.compared or (self.stored is not None and not self.differences)

    @property
    def order_number(self) -> str:
        return self.stored.order.number if self.stored else self.file.document["order"]

    @property
    def problems(self) -> list[str]:
        """Why the receipt is not valid, one sentence each (empty when it is)."""
        found = []
        if self.key is None:
            found.append(
                _("It names signing key %(key)s, which is not one of the shop's published keys.")
                % {"key": self.file.key_id or "—"}
            )
        elif not self.signature_matches:
            found.append(
                _(
                    "The signature does not match the contents: the receipt was changed after "
                    "it was signed, or the shop did not sign it."
                )
            )
        if self.compared and self.stored is None:
            if self.signature_matches:
                found.append(_("The signature is genuine, but the shop has no record of it."))
            else:
                found.append(
                    _(
                        "The shop never issued a receipt with this signature, so it cannot say "
                        "what was changed."
                    )
                )
        return found


def verify(checked: ReceiptFile, *, keys=None, compare: bool = True) -> Verdict:
    """Check ``checked`` against ``keys`` (by default the shop's published keys) and,
    with ``compare``, against the receipt the shop issued with the same signature."""
    keys = keyring.published_keys() if keys is None else keys
    key = keys.get(checked.key_id)
    signature = checked.signature
    matches = bool(key and signature and key.verifies(signature, canonical(checked.document)))
    verdict = Verdict(checked, key, matches, compared=compare)
    if compare and signature:
        verdict.stored = (
            Receipt.objects.select_related("order")
            .filter(signature=base64.b64encode(signature).decode("ascii"))
            .first()
        )
    if verdict.stored is not None:
        verdict.differences = describe(json.loads(verdict.stored.document), checked.document)
        if verdict.stored.key_id != checked.key_id:
            verdict.differences.append(
                _("the signing key's id changed from %(before)s to %(after)s")
                % {"before": verdict.stored.key_id, "after": checked.key_id or "—"}
            )
    return verdict


def verify_stored(receipt: Receipt) -> Verdict:
    """The shop's own receipt checked as anyone would check its file (the QR code's page)."""
    data = json.dumps(receipt_file(receipt), ensure_ascii=False)
    return verify(read_receipt_file(data))
