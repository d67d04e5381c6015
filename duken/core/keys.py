"""The installation's secrets: where they come from and which ones are refused.

Settings import this module, so it uses nothing from Django. A production deployment sets
``SECRET_KEY`` (and each payment provider's own secret) in the environment. Without one, the
demo and a developer's machine get a random secret made once for this installation and kept
in the var folder (readable by its owner only), never a value published with the code.
"""

import os
import secrets
from pathlib import Path

# Values that were ever shipped as defaults: whoever read the code knows them.
PUBLISHED_SECRETS = frozenset({"duken-insecure-demo-key-set-SECRET_KEY-in-production"})
MIN_LENGTH = 50
MIN_DISTINCT_CHARACTERS = 5


class SecretError(Exception):
    """A secret Duken refuses to run with; the message says what to do."""


def weakness(value: str) -> str | None:
    """Why ``value`` is unfit to sign or encrypt anything, or None when it is fit."""
    if value in PUBLISHED_SECRETS or value.startswith("django-insecure-"):
        return "a value published with the source code"
    if len(value) < MIN_LENGTH:
        return f"shorter than {MIN_LENGTH} characters"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return f"made of fewer than {MIN_DISTINCT_CHARACTERS} different characters"
    return None


def installation_secret(var_dir: Path, name: str) -> str:
    """The random secret ``name`` of this installation, made on first use.

    Several processes may start at once: the file appears atomically (written aside, then
    linked into place), so they all read the same value.
    """
    folder = Path(var_dir) / "secrets"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        candidate = folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another process was first; its value wins
        finally:
            candidate.unlink()
    return path.read_text().strip()


def required_secret(value: str, *, name: str, var_dir: Path, production: bool, debug: bool) -> str:
    """The secret to use for the setting ``name`` given its environment ``value``.

    Production refuses a missing one; outside debug mode a weak one is refused everywhere.
    """
    if not value:
        if production:
            raise SecretError(
                f"{name} must be set when DUKEN_PRODUCTION is on: a random value of at least "
                f"{MIN_LENGTH} characters, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
            )
        return installation_secret(var_dir, name.lower().replace("_", "-"))
    problem = weakness(value)
    if problem and not debug:
        raise SecretError(
            f"{name} is {problem}; anyone who guesses it can forge sessions, payment callbacks "
            f"and links. Set a random value of at least {MIN_LENGTH} characters, e.g. the "
            "output of `python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
        )
    return value


# --- signing keys (Ed25519): receipts ---------------------------------------------------------
# A private key signs documents the shop stands behind. Production gives it in the environment
# (a PEM file's path, the PEM itself, or either in base64); the demo and a developer's machine
# get one made on first use in the var folder, readable by its owner only.


def load_signing_key(value: str):
    """The Ed25519 private key ``value`` names: a PEM file's path, PEM text, or the base64 of
    a PEM or of the key's 32 raw bytes. Raises ``SecretError`` saying what is wrong."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    value = value.strip()
    data = _signing_key_bytes(value)
    if len(data) == 32:
        return Ed25519PrivateKey.from_private_bytes(data)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SecretError(
            "The receipt signing key is not an unencrypted Ed25519 private key in PEM "
            f"({exc.__class__.__name__}). Make one with "
            "`openssl genpkey -algorithm ed25519 -out receipt-key.pem`."
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SecretError("The receipt signing key must be an Ed25519 key, not another kind.")
    return key


def _signing_key_bytes(value: str) -> bytes:
    import base64
    import binascii

    if value.startswith("-----BEGIN"):
        return value.encode()
    if "\n" not in value and len(value) < 4096 and Path(value).is_file():
        return Path(value).read_bytes()
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SecretError(
            "The receipt signing key is neither a readable file, nor PEM text, nor base64."
        ) from None


def _write_new_signing_key(path: Path) -> Path:
    """A new private key in a file of its own beside ``path`` (mode 0600); returns its path."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    candidate = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return candidate


def installation_signing_key(path: Path):
    """This installation's signing key kept at ``path``, made on first use (processes starting
    together all read the one that was linked into place first)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        candidate = _write_new_signing_key(path)
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another process was first; its key wins
        finally:
            candidate.unlink()
    return load_signing_key(str(path))


def replace_installation_signing_key(path: Path):
    """Put a new signing key at ``path`` in one step and return it. The old private key is
    gone: nothing can be signed with it any more (its public key stays published)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.replace(_write_new_signing_key(path), path)
    return load_signing_key(str(path))
