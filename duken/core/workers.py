"""Workers' heartbeats, and the visibility timeout built on them.

Every worker process touches its ``WorkerHeartbeat`` row every few seconds. A task that
django-tasks-db marked RUNNING for a worker that has not been seen for
``DUKEN_WORKER_TIMEOUT`` seconds (it was killed, or its machine died) is put back in the queue,
and another worker runs it again: Duken's tasks are idempotent, so running one twice is safe.
Every worker reaps; a compare-and-swap on the task's row makes several reapers at once safe."""

import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from .models import RunStatus, WorkerHeartbeat

logger = logging.getLogger(__name__)

# A task that took its worker down this many times is failed, not queued again.
MAX_ATTEMPTS = 5
# Heartbeat rows of workers not seen for this long are removed.
FORGET_AFTER = timedelta(days=1)


class WorkerLost(Exception):
    """Recorded on a task whose workers kept dying while they ran it."""


def timeout() -> float:
    return float(settings.DUKEN_WORKER_TIMEOUT)


def beat_seconds() -> float:
    """How often a worker writes its heartbeat: several times per timeout."""
    return min(5.0, max(0.2, timeout() / 4))


def reap_seconds() -> float:
    """How often a worker looks for tasks whose worker died (a scan of the running tasks)."""
    return max(beat_seconds(), min(30.0, timeout() / 2))


def beat(worker_id: str, now=None) -> None:
    now = now or timezone.now()
    if not WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen=now):
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            host=socket.gethostname()[:255],
            pid=os.getpid(),
            started_at=now,
            last_seen=now,
        )


def reap_abandoned(now=None) -> list[str]:
    """Put back in the queue the tasks RUNNING on a worker not seen for the timeout (or on a
    worker that never wrote a heartbeat, once the task has run that long); returns their ids."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=timeout())
    running = list(
        DBTaskResult.objects.running()
        .filter(started_at__lte=cutoff)
        .only("id", "task_path", "worker_ids", "started_at")
    )
    if not running:
        return []
    seen = dict(WorkerHeartbeat.objects.values_list("worker_id", "last_seen"))
    reaped = []
    for task in running:
        worker = task.worker_ids[-1] if task.worker_ids else ""
        alive = worker in seen and seen[worker] > cutoff
        if not alive and _put_back(task, now):
            logger.warning(
                "task put back in the queue: its worker stopped answering",
                extra={
                    "task_result": str(task.id),
                    "task": task.task_path,
                    "worker": worker,
                    "worker_last_seen": seen.get(worker),
                    "attempts": len(task.worker_ids),
                },
            )
            reaped.append(str(task.id))
    return reaped


def _put_back(task: DBTaskResult, now) -> bool:
    # Only if the row is still the run we read: another reaper, or a worker that claimed it
    # again since, wins.
    same_run = DBTaskResult.objects.filter(
        pk=task.pk, status=RunStatus.RUNNING, started_at=task.started_at
    )
    if len(task.worker_ids) >= MAX_ATTEMPTS:
        return bool(
            same_run.update(
                status=RunStatus.FAILED,
                finished_at=now,
                return_value=None,
                exception_class_path=f"{__name__}.{WorkerLost.__name__}",
                traceback=f"The worker running this task stopped answering {MAX_ATTEMPTS} times.",
            )
        )
    return bool(same_run.update(status=RunStatus.READY, started_at=None))


def forget_gone_workers(now=None) -> int:
    now = now or timezone.now()
    deleted, _ = WorkerHeartbeat.objects.filter(last_seen__lt=now - FORGET_AFTER).delete()
    return deleted


def worker_health(now=None) -> dict:
    """The newest heartbeat: ``ok`` within the timeout, ``stale`` after it, ``none`` if no
    worker has ever run. One query."""
    newest = WorkerHeartbeat.objects.aggregate(newest=Max("last_seen"))["newest"]
    if newest is None:
        return {"status": "none", "last_seen": None, "age_seconds": None}
    age = max(0.0, ((now or timezone.now()) - newest).total_seconds())
    return {
        "status": "ok" if age <= timeout() else "stale",
        "last_seen": newest.isoformat(),
        "age_seconds": round(age, 1),
    }
