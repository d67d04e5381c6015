import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the production server: Granian (a Rust HTTP server) with several worker processes "
        "running Duken's WSGI application; static files are served by WhiteNoise (compressed, "
        "cached for a year under their hashed names). The port comes from --port or the PORT "
        "environment variable (default 8000)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", 0)) or None,
            help="worker processes (default: one per CPU core, or WEB_CONCURRENCY)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS", 1)),
            help="threads per worker that run requests (default 1, or WEB_THREADS)",
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="skip collecting static files before starting",
        )

    def handle(self, *args, host, port, workers, threads, no_collectstatic, **options):
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        workers = workers or os.cpu_count() or 1
        argv = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--respawn-failed-workers",
            # Duken's middleware writes one structured line per request; the server's own
            # access log would repeat it.
            "--no-access-log",
            "duken.wsgi:application",
        ]
        self.stdout.write(f"Duken serving on http://{host}:{port}/ with {workers} workers")
        self.stdout.flush()
        os.execv(sys.executable, argv)
