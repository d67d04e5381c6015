import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the production server: Granian (a Rust HTTP server) with several worker processes "
        "running Duken's WSGI application; static files are served by WhiteNoise (compressed, "
        "cached for a year under their hashed names). The port comes from --port or the PORT "
        "environment variable (default 8000). Beside it one ASGI process (Daphne) serves the "
        "support chat's WebSockets (/ws/...) on --ws-port or WS_PORT (default: the port + 1)."
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
            "--ws-port",
            type=int,
            default=int(os.environ.get("WS_PORT", 0)) or None,
            help="port of the chat's WebSocket server (default: the HTTP port + 1, or WS_PORT)",
        )
        parser.add_argument(
            "--no-websockets",
            action="store_true",
            help="do not start the WebSocket server (the chat then works without live updates)",
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="skip collecting static files before starting",
        )

    def handle(
        self,
        *args,
        host,
        port,
        workers,
        threads,
        ws_port,
        no_websockets,
        no_collectstatic,
        **options,
    ):
        if not os.environ.get("SITE_URL"):
            # Links in e-mails point at this server unless the shop's address is configured.
            local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
            os.environ["SITE_URL"] = f"http://{local}:{port}"
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        workers = workers or os.cpu_count() or 1
        if not no_websockets:
            ws_port = ws_port or port + 1
            # The WSGI workers read it to tell pages where the chat's socket is.
            os.environ["WS_PORT"] = str(ws_port)
            start_websockets(host, ws_port)
            self.stdout.write(f"Duken chat WebSockets on ws://{host}:{ws_port}/ws/")
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


def _die_with_parent():
    """In the child: be stopped when the server process ends (Linux), so no socket server is
    left behind."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_websockets(host: str, port: int) -> subprocess.Popen:
    """One Daphne process running ``duken.asgi`` (Channels) for ``/ws/...``: one process, so the
    in-memory channel layer reaches every socket; with REDIS_URL the layer is Redis."""
    argv = [
        sys.executable,
        "-m",
        "daphne",
        "--bind",
        host,
        "--port",
        str(port),
        "--verbosity",
        "0",
        "duken.asgi:application",
    ]
    return subprocess.Popen(argv, preexec_fn=_die_with_parent)
