"""The keys that sign receipts.

The private key is never in the database: production gives it in ``DUKEN_RECEIPT_SIGNING_KEY``
(a PEM file's path, PEM text or base64); elsewhere it is made on first use in
``DUKEN_RECEIPT_KEY_FILE`` (var/secrets/, mode 0600). It is read afresh for every receipt, so
a rotation is seen by every process at once.

Each key's public half is written to ``ReceiptKey`` when it first signs (also by the server
that starts signing with a new key after a rolling restart) and stays there: the published
list at /receipts/keys/ names every key ever used, so receipts signed before a rotation stay
verifiable. A key's id is the first 8 bytes of the SHA-256 of its raw public key, in hex.
"""

import base64
import hashlib
import json
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from duken.core import keys

from ..models import ReceiptKey

ALGORITHM = "Ed25519"
PEM_BLOCK = re.compile(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.S)


class KeyRotationRefused(Exception):
    """The signing key is given by the environment: rotate it there."""


class KeysFileError(Exception):
    """A keys file that holds no usable public key; the message says why."""


def raw_public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public_bytes(public_key)).digest()[:8].hex()


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _private_key():
    configured = settings.DUKEN_RECEIPT_SIGNING_KEY
    if configured:
        return keys.load_signing_key(configured)
    return keys.installation_signing_key(settings.DUKEN_RECEIPT_KEY_FILE)


def _register(public_key: Ed25519PublicKey) -> ReceiptKey:
    row, _created = ReceiptKey.objects.get_or_create(
        key_id=key_id_of(public_key),
        defaults={
            "public_key": base64.b64encode(raw_public_bytes(public_key)).decode(),
            "first_used_at": timezone.now(),
        },
    )
    return row


def signing_key():
    """``(private key, its ReceiptKey)``: the key receipts are signed with now."""
    private = _private_key()
    return private, _register(private.public_key())


def rotate() -> tuple[ReceiptKey, ReceiptKey | None]:
    """Replace the installation's signing key with a new one; ``(new, previous)``. The old
    public key stays published. Refused when the key comes from the environment."""
    if settings.DUKEN_RECEIPT_SIGNING_KEY:
        raise KeyRotationRefused(
            _(
                "The signing key comes from DUKEN_RECEIPT_SIGNING_KEY: put a new key there "
                "(openssl genpkey -algorithm ed25519) and restart; it is published when it "
                "signs its first receipt."
            )
        )
    path = settings.DUKEN_RECEIPT_KEY_FILE
    previous = _register(keys.load_signing_key(str(path)).public_key()) if path.exists() else None
    new = keys.replace_installation_signing_key(path)
    return _register(new.public_key()), previous


@dataclass(frozen=True)
class PublicKey:
    key_id: str
    key: Ed25519PublicKey
    first_used_at: str = ""

    def verifies(self, signature: bytes, data: bytes) -> bool:
        try:
            self.key.verify(signature, data)
        except InvalidSignature:
            return False
        return True


def _from_row(row: ReceiptKey) -> PublicKey:
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(row.public_key))
    return PublicKey(row.key_id, key, row.first_used_at.isoformat(timespec="seconds"))


def published_keys() -> dict[str, PublicKey]:
    """Every key that ever signed a receipt of this shop, by id."""
    return {row.key_id: _from_row(row) for row in ReceiptKey.objects.all()}


def published_document() -> dict:
    """What /receipts/keys/ publishes: every key ever used, and the current one (published
    before it signs anything)."""
    current = signing_key()[1].key_id
    return {
        "algorithm": ALGORITHM,
        "key_id": "first 8 bytes of SHA-256 of the raw public key, hex",
        "current": current,
        "keys": [
            {
                "key_id": key.key_id,
                "public_key": base64.b64encode(raw_public_bytes(key.key)).decode(),
                "pem": public_pem(key.key),
                "first_used_at": key.first_used_at,
            }
            for key in published_keys().values()
        ],
    }


def published_pem() -> str:
    """Every published key in PEM, each after a line naming it (text between PEM blocks is
    ignored by PEM readers)."""
    signing_key()
    return "".join(
        f"Key {key.key_id} (first used {key.first_used_at})\n{public_pem(key.key)}"
        for key in published_keys().values()
    )


def keys_from_file(data: bytes) -> dict[str, PublicKey]:
    """Public keys from a saved copy of /receipts/keys/ (JSON) or /receipts/keys.pem."""
    found = []
    try:
        published = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        published = None
    if isinstance(published, dict) and isinstance(published.get("keys"), list):
        for entry in published["keys"]:
            pem = entry.get("pem", "") if isinstance(entry, dict) else ""
            found.extend(PEM_BLOCK.findall(pem.encode()))
    else:
        found = PEM_BLOCK.findall(data)
    result = {}
    for block in found:
        try:
            key = serialization.load_pem_public_key(block)
        except ValueError:
            continue
        if isinstance(key, Ed25519PublicKey):
            result[key_id_of(key)] = PublicKey(key_id_of(key), key)
    if not result:
        raise KeysFileError(_("The keys file holds no Ed25519 public key."))
    return result
