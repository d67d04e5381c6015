import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the production server: gunicorn with several worker processes, static files "
        "served by WhiteNoise (compressed, cached forever by hashed name). "
        "The port comes from --port or the PORT environment variable (default 8000)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", 0)) or None,
            help="worker processes (default: 2 x CPU cores + 1, or WEB_CONCURRENCY)",
        )
        parser.add_argument("--threads", type=int, default=1, help="threads per worker")
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="skip collecting static files before starting",
        )

    def handle(self, *args, host, port, workers, threads, no_collectstatic, **options):
        if not no_collectstatic:
            from django.core.management import call_command

            call_command("collectstatic", interactive=False, verbosity=0)
        workers = workers or (2 * (os.cpu_count() or 1) + 1)
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "duken.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-tmp-dir",
            "/dev/shm" if os.path.isdir("/dev/shm") else str(settings.VAR_DIR),
            "--timeout",
            "60",
            "--graceful-timeout",
            "20",
            "--max-requests",
            "20000",
            "--max-requests-jitter",
            "2000",
            # Our middleware writes one structured line per request; gunicorn's own access
            # log would repeat it.
            "--error-logfile",
            "-",
        ]
        self.stdout.write(f"Duken serving on http://{host}:{port}/ with {workers} workers")
        self.stdout.flush()
        os.execv(sys.executable, argv)
