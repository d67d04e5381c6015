import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

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
        email, password = self._admin()
        self.stdout.write(
            self.style.SUCCESS(f"\nAdmin login: {email} / {password}   (back office: /admin/)\n")
        )
        if not no_serve:
            # Background work (order e-mails, payment time-outs) runs in a worker process
            # beside the web server; it stops with the server's process group.
            subprocess.Popen([sys.executable, "-m", "duken.cli", "worker"])
            call_command("serve")

    def _admin(self):
        secret_file = settings.VAR_DIR / "demo-admin.txt"
        if secret_file.exists() and User.objects.filter(email=DEMO_ADMIN_EMAIL).exists():
            return DEMO_ADMIN_EMAIL, secret_file.read_text().strip()
        password = os.environ.get("DUKEN_ADMIN_PASSWORD") or secrets.token_urlsafe(9)
        user = User.objects.filter(email=DEMO_ADMIN_EMAIL).first() or User(email=DEMO_ADMIN_EMAIL)
        user.first_name, user.is_staff, user.is_superuser = "Admin", True, True
        user.set_password(password)
        user.save()
        secret_file.write_text(password + "\n")
        secret_file.chmod(0o600)
        return DEMO_ADMIN_EMAIL, password
