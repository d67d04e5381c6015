"""The durable scheduler every worker runs: recurring work lives in ``Schedule`` rows, each due
row is claimed by one worker with a compare-and-swap on its next run, and enqueued through
django-tasks (``task.enqueue()``) so it runs like any other task.

- With several workers, exactly one enqueues a due run: the others' swap finds the row moved.
- One run at a time: a run is skipped while the schedule's previous one is still queued or
  running (on any worker).
- Runs missed while no worker was up are caught up once, not once per missed interval."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import Task
from django_tasks.exceptions import TaskResultDoesNotExist

from . import recurring
from .models import RunStatus, Schedule

logger = logging.getLogger(__name__)

IN_PROGRESS = (RunStatus.READY, RunStatus.RUNNING)


def sync_schedules(entries: list[recurring.Recurring] | None = None, now=None) -> None:
    """Create or update the rows from the registry (when a worker starts). A schedule no longer
    registered, or registered with an interval of 0, is disabled; its row and history stay."""
    now = now or timezone.now()
    entries = recurring.registered() if entries is None else entries
    for entry in entries:
        try:
            _sync(entry, now)
        except (ImportError, TypeError) as exc:
            logger.error("schedule %s names no task: %s", entry.name, exc)
    names = [entry.name for entry in entries]
    Schedule.objects.filter(enabled=True).exclude(name__in=names).update(
        enabled=False, next_run_at=None
    )


def _sync(entry: recurring.Recurring, now) -> None:
    task_for(entry.task_path)  # a wrong path is reported when the worker starts
    seconds = entry.interval_seconds()
    wanted = {"task_path": entry.task_path, "interval_seconds": seconds, "enabled": seconds > 0}
    # A new schedule first runs one interval after it appears: the shop is not retrained (or
    # swept) the moment a worker starts for the first time.
    first = now + timedelta(seconds=seconds) if seconds else None
    schedule, created = Schedule.objects.get_or_create(
        name=entry.name, defaults={**wanted, "next_run_at": first}
    )
    if created or all(getattr(schedule, key) == value for key, value in wanted.items()):
        return
    # A changed interval counts from the last run, so a shorter one may make the run due now.
    start = schedule.last_run_at or now
    wanted["next_run_at"] = start + timedelta(seconds=seconds) if seconds else None
    Schedule.objects.filter(pk=schedule.pk).update(**wanted)


def task_for(path: str) -> Task:
    task = import_string(path)
    if not isinstance(task, Task):
        raise TypeError(f"{path} is not a django-tasks task")
    return task


def tick(now=None) -> list[str]:
    """One pass of the scheduler: enqueue what is due, then note how earlier runs ended."""
    fired = run_due_schedules(now)
    refresh_statuses()
    return fired


def run_due_schedules(now=None) -> list[str]:
    """Enqueue every due schedule this scheduler wins; returns their names."""
    now = now or timezone.now()
    return [schedule.name for schedule in due_schedules(now) if fire(schedule, now)]


def due_schedules(now) -> list[Schedule]:
    return list(Schedule.objects.filter(enabled=True, next_run_at__lte=now))


def fire(schedule: Schedule, now) -> bool:
    """Enqueue one due schedule, as read by ``due_schedules``, unless another scheduler has
    claimed it since or its previous run is still under way. True when it was enqueued."""
    with transaction.atomic():
        # The swap succeeds for one scheduler only: the row still holds the next run it read.
        claimed = Schedule.objects.filter(
            pk=schedule.pk, enabled=True, next_run_at=schedule.next_run_at
        ).update(next_run_at=following_run(schedule, now))
        if not claimed:
            return False
        previous = last_run_status(schedule)
        if previous in IN_PROGRESS:
            Schedule.objects.filter(pk=schedule.pk).update(last_status=previous)
            logger.info(
                "scheduled run skipped: the previous one is still queued or running",
                extra={"schedule": schedule.name, "task_result": schedule.last_result_id},
            )
            return False
        result = task_for(schedule.task_path).enqueue()
        Schedule.objects.filter(pk=schedule.pk).update(
            last_run_at=now, last_status=result.status, last_result_id=str(result.id)
        )
    logger.info(
        "scheduled run enqueued", extra={"schedule": schedule.name, "task_result": str(result.id)}
    )
    return True


def following_run(schedule: Schedule, now):
    """The first run of the schedule's cadence after ``now``: whatever was missed while no
    worker was up has just been caught up, once."""
    step = timedelta(seconds=max(1, schedule.interval_seconds))
    missed = (now - schedule.next_run_at) // step
    return schedule.next_run_at + (missed + 1) * step


def last_run_status(schedule: Schedule) -> str:
    """How the schedule's last enqueued run stands, as its task backend tells it."""
    if not schedule.last_result_id:
        return ""
    try:
        backend = task_for(schedule.task_path).get_backend()
        return backend.get_result(schedule.last_result_id).status
    except (TaskResultDoesNotExist, NotImplementedError, ImportError, TypeError):
        return RunStatus.UNKNOWN


def refresh_statuses() -> None:
    """Bring the shown status of runs still queued or running up to date."""
    unfinished = Schedule.objects.filter(last_status__in=IN_PROGRESS).exclude(last_result_id="")
    for schedule in unfinished:
        status = last_run_status(schedule)
        if status != schedule.last_status:
            # Keyed on the run too, so a newer run's status is never overwritten.
            Schedule.objects.filter(pk=schedule.pk, last_result_id=schedule.last_result_id).update(
                last_status=status
            )
