"""``duken worker``: runs background tasks, with a heartbeat, the visibility timeout and the
scheduler of recurring work beside the task loop (``duken.core.upkeep``).

On the database queue (the embedded default) it is django-tasks-db's ``db_worker`` with the
same options; with ``REDIS_URL`` it is django-rq's ``rqworker`` (same options), running
Duken's RQ worker class (``settings.RQ``) and RQ's scheduler for deferred tasks."""

import os
import sys

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from duken.core import upkeep

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"
RQ_BACKEND = "django_tasks_rq.RQBackend"


class Worker(db_worker.Worker):
    """django-tasks-db's worker loop, with the upkeep thread running beside it."""

    def run(self) -> None:
        with upkeep.running(self.worker_id, reap=True):
            super().run()


class Command(db_worker.Command):
    help = (
        "Run background tasks (e-mails, payment time-outs, retraining) and the scheduler of "
        "recurring work; a task whose worker died is run again after DUKEN_WORKER_TIMEOUT."
    )

    def run_from_argv(self, argv):
        backend = settings.TASKS["default"]["BACKEND"]
        if backend == RQ_BACKEND:
            return _run_rq_worker(argv)
        if backend != DATABASE_BACKEND:
            sys.stderr.write(f"duken worker: tasks run in the web process here ({backend}).\n")
            sys.exit(1)
        return super().run_from_argv(argv)

    def handle(self, *, verbosity, queue_name, exclude_queues, batch, reload, **options):
        # db_worker's own handle() builds its Worker class by name; this one builds Duken's.
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            batch=batch,
            interval=options["interval"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloaded child runs tasks
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()


def _run_rq_worker(argv):
    from django_rq.management.commands.rqworker import Command as RQWorkerCommand

    args = argv[2:]  # settings.RQ names the worker and job classes
    if "--with-scheduler" not in args:
        # Deferred tasks (a payment's time-out) wait in RQ's ScheduledJobRegistry until a
        # worker running RQ's scheduler moves them to the queue.
        args = ["--with-scheduler", *args]
    RQWorkerCommand().run_from_argv([argv[0], "rqworker", *args])
