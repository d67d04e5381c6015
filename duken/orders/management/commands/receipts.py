"""``duken receipts SUBCOMMAND``: signed receipts from the command line (docs/receipts.md).

- ``verify FILE [--keys KEYS]``: check a receipt file; exit 0 valid, 1 not valid, 2 not a
  receipt file. With ``--keys`` (a saved /receipts/keys/ or /receipts/keys.pem) it works
  offline, on the signature alone; without, it uses the installation's published keys and
  names what was altered against the receipt the shop issued.
- ``issue``: sign the receipts of orders paid before receipts existed (safe to repeat).
- ``rotate-key``: replace the signing key; receipts signed before stay verifiable.
- ``keys [--pem]``: print the published keys, for checking receipts offline.
"""

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from duken.orders.receipts import issuing, keyring, verification

INVALID, UNREADABLE = 1, 2


class Command(BaseCommand):
    help = "Signed receipts: verify a receipt file, issue missing receipts, rotate the key."

    def add_arguments(self, parser):
        children = parser.add_subparsers(
            dest="subcommand", metavar="SUBCOMMAND", parser_class=type(parser), required=True
        )
        common = {"called_from_command_line": getattr(parser, "called_from_command_line", None)}
        verify = children.add_parser(
            "verify", help="check a receipt file and name what was altered", **common
        )
        verify.add_argument("file", help="the receipt file (receipt-….json); - reads stdin")
        verify.add_argument(
            "--keys", help="public keys to trust (a saved /receipts/keys/ or keys.pem): offline"
        )
        verify.add_argument(
            "--language", default="en", choices=[code for code, _name in settings.LANGUAGES]
        )
        children.add_parser("issue", help="sign receipts for paid orders that have none", **common)
        children.add_parser("rotate-key", help="make a new signing key", **common)
        keys = children.add_parser("keys", help="print the published public keys", **common)
        keys.add_argument("--pem", action="store_true", help="PEM instead of JSON")

    def handle(self, *args, **options):
        subcommand = options["subcommand"].replace("-", "_")
        getattr(self, f"_{subcommand}")(options)

    def _verify(self, options):
        with translation.override(options["language"]):
            keys = self._trusted_keys(options["keys"])
            try:
                checked = verification.read_receipt_file(self._read(options["file"]))
            except verification.ReceiptFileError as exc:
                self.stderr.write(exc.message)
                sys.exit(UNREADABLE)
            verdict = verification.verify(checked, keys=keys, compare=keys is None)
            self._report(verdict)
        if not verdict.valid:
            sys.exit(INVALID)

    def _trusted_keys(self, path):
        if not path:
            return None
        try:
            return keyring.keys_from_file(Path(path).read_bytes())
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        except keyring.KeysFileError as exc:
            raise CommandError(f"{path}: {exc}") from None

    def _read(self, path) -> bytes:
        if path == "-":
            return sys.stdin.buffer.read(verification.MAX_FILE_BYTES + 1)
        try:
            with open(path, "rb") as handle:
                return handle.read(verification.MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None

    def _report(self, verdict):
        number = verdict.order_number
        if verdict.valid:
            self.stdout.write(
                _(
                    "VALID: the receipt for order %(number)s, issued %(when)s, signed with key %(key)s."
                )
                % {
                    "number": number,
                    "when": verdict.file.document.get("issued_at", "?"),
                    "key": verdict.key.key_id,
                }
            )
            if not verdict.compared:
                self.stdout.write(_("(Checked offline: the signature only.)"))
            return
        self.stdout.write(_("NOT VALID: the receipt for order %(number)s.") % {"number": number})
        for problem in verdict.problems:
            self.stdout.write(f"  - {problem}")
        if verdict.differences:
            self.stdout.write(_("What was changed:"))
            for difference in verdict.differences:
                self.stdout.write(f"  - {difference}")

    def _issue(self, options):
        self.stdout.write(f"{issuing.issue_missing()} receipt(s) issued.")

    def _rotate_key(self, options):
        try:
            new, previous = keyring.rotate()
        except keyring.KeyRotationRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Receipts are now signed with key {new.key_id}.")
        if previous is not None:
            self.stdout.write(
                f"The previous key {previous.key_id} signs nothing more; it stays published "
                "at /receipts/keys/, so the receipts it signed stay verifiable."
            )

    def _keys(self, options):
        if options["pem"]:
            self.stdout.write(keyring.published_pem(), ending="")
        else:
            self.stdout.write(json.dumps(keyring.published_document(), indent=2))
