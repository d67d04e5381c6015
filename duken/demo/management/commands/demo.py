import io
import os
import secrets
import subprocess
import sys

import segno
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from duken.customers import twofactor
from duken.customers.models import User

DEMO_ADMIN_EMAIL = "admin@duken.example"


class Command(BaseCommand):
    help = (
        "Prepare and start the demo store: migrate the database, import the shipped Online "
        "Retail data set once, set up delivery and payment methods, create an admin user "
        "(its login is printed) and serve the store. A second run only starts the server."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="prepare only, do not serve")
        parser.add_argument(
            "--data",
            default=str(
                settings.PROJECT_DIR
                / "data"
                / "online-retail"
                / "online_retail_until_2011-09.parquet"
            ),
        )

    def handle(self, *args, no_serve, data, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database ready: " + str(settings.DATABASES["default"]["NAME"]))
        call_command("setup_store", verbosity=1)
        from duken.catalog.models import Product

        if not Product.objects.exists():
            self.stdout.write("Importing the demo catalog (runs once)...")
            call_command("import_retail", data)
        from duken.recommendations.models import TrainingRun

        if not TrainingRun.objects.filter(kind=TrainingRun.Kind.FULL).exists():
            # Pages show non-personal recommendations until the worker has trained once.
            self.stdout.write("Recommendations: the first training is queued for the worker.")
            call_command("recs", "train", "--background")
        email, password, device, codes = self._admin()
        self.stdout.write(
            self.style.SUCCESS(f"\nAdmin login: {email} / {password}   (back office: /admin/)\n")
        )
        self._second_factor(device, codes)
        if not no_serve:
            # Background work (order e-mails, payment time-outs) runs in a worker process
            # beside the web server; it stops with the server's process group.
            subprocess.Popen([sys.executable, "-m", "duken.cli", "worker"])
            call_command("serve")

    def _admin(self):
        """The demo's admin, with its password and second factor (an authenticator key and
        recovery codes): made once and kept in var/demo-admin.txt, printed on every run."""
        secret_file = settings.VAR_DIR / "demo-admin.txt"
        user = User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
        kept = _read_kept(secret_file) if user is not None and secret_file.exists() else {}
        device = twofactor.app_device(user) if user is not None else None
        if kept.get("codes") and device is not None:
            return DEMO_ADMIN_EMAIL, kept["password"], device, kept["codes"]
        password = (
            kept.get("password")
            or os.environ.get("DUKEN_ADMIN_PASSWORD")
            or secrets.token_urlsafe(12)
        )
        user = user or User(email=DEMO_ADMIN_EMAIL)
        user.first_name, user.is_staff, user.is_superuser = "Admin", True, True
        user.set_password(password)
        user.save()
        # Staff open the back office only with a second factor: the demo's admin has one from
        # the start, so trying the demo needs no set-up (other staff set theirs up when they
        # first open the back office).
        device, codes = twofactor.set_up_for(user)
        secret_file.write_text(
            f"password: {password}\n"
            f"authenticator key: {twofactor.key_text(device)}\n"
            "recovery codes (each works once):\n" + "".join(f"{code}\n" for code in codes)
        )
        secret_file.chmod(0o600)
        return DEMO_ADMIN_EMAIL, password, device, codes

    def _second_factor(self, device, codes):
        secret_file = settings.VAR_DIR / "demo-admin.txt"
        qr = io.StringIO()
        segno.make(device.config_url, error="l").terminal(out=qr, compact=True)
        self.stdout.write(
            "Staff log in with a second factor: after the password, the 6-digit code of an\n"
            "authenticator app (Google Authenticator, Microsoft Authenticator, Aegis, FreeOTP...)\n"
            f"that scanned this QR code or was given the key {twofactor.key_text(device)},\n"
            f"or, without an app, one of these recovery codes (each works once; kept in "
            f"{secret_file}):\n"
            f"  {'  '.join(codes[:5])}\n  {'  '.join(codes[5:])}\n" + qr.getvalue()
        )


def _read_kept(path) -> dict:
    """What var/demo-admin.txt keeps; a file from before the second factor holds only the
    password."""
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    if not lines:
        return {}
    if not lines[0].startswith("password: "):
        return {"password": lines[0]}
    return {
        "password": lines[0].removeprefix("password: "),
        "codes": [line for line in lines if line.count("-") == 3 and ":" not in line],
    }
