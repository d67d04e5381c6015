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
