"""The worker's own rows: the schedules of recurring work and each worker's heartbeat."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    """A scheduled run's task, as its backend reports it (django-tasks' status values)."""

    READY = "READY", _("Queued")
    RUNNING = "RUNNING", _("Running")
    SUCCESSFUL = "SUCCESSFUL", _("Succeeded")
    FAILED = "FAILED", _("Failed")
    # The backend no longer keeps the result (RQ drops finished jobs after a while).
    UNKNOWN = "UNKNOWN", _("No longer known")


class Schedule(models.Model):
    """Recurring work: the worker enqueues ``task_path`` every ``interval_seconds``. The rows
    are made from the code's registry (``duken.core.recurring``) whenever a worker starts."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    task_path = models.CharField(_("task"), max_length=200)
    interval_seconds = models.PositiveIntegerField(_("every (seconds)"))
    enabled = models.BooleanField(_("enabled"), default=True)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_status = models.CharField(
        _("last run's status"), max_length=16, choices=RunStatus.choices, blank=True
    )
    last_result_id = models.CharField(_("last run's task result"), max_length=64, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")

    def __str__(self):
        return self.name


class WorkerHeartbeat(models.Model):
    """One row per worker process, touched every few seconds while it lives."""

    # The id the task backend knows the worker by (django-tasks-db's worker id, RQ's name).
    worker_id = models.CharField(_("worker"), max_length=64, unique=True)
    host = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started"))
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self):
        return f"{self.worker_id} ({self.host}, {self.pid})"
