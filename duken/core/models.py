"""The worker's own rows (the schedules of recurring work and each worker's heartbeat) and the
audit log with the end of its hash chain."""

from django.db import models
from django.utils import timezone
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


class AuditEntry(models.Model):
    """One line of the audit log: who did what to which object, when and from where.

    Rows are only ever added. A row is written *unsealed* (no ``seq``, no hashes) inside the
    transaction of the change it records, so recording never waits on other writers; the
    sealer (``duken.core.audit.chain.seal``) later gives each row the next number of the chain
    and its hash, a SHA-256 over the row's content and the hash of the row before. Database
    triggers refuse any DELETE and any UPDATE except that sealing (see ``audit/triggers.py``).
    """

    seq = models.PositiveBigIntegerField(_("number"), null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # Not a foreign key: the entry outlives the account (an erased customer, a removed clerk)
    # and must never be deleted or changed with it.
    actor_id = models.BigIntegerField(_("person's id"), null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("person"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=50, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        # Nobody is given a way to add, change or delete an entry, not even a superuser.
        default_permissions = ("view",)
        indexes = [models.Index(fields=["object_type", "object_id"], name="core_audit_object")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self):
        number = f"#{self.seq}" if self.seq is not None else _("unsealed")
        return f"{number} {self.action} {self.object_repr}".strip()


class AuditChainHead(models.Model):
    """The end of the audit chain (one row, id 1): the last sealed number and hash, kept under
    a row lock while sealing, and the outcome of the last full check (``duken audit verify``)."""

    seq = models.PositiveBigIntegerField(_("last number"), default=0)
    hash = models.CharField(_("last hash"), max_length=64, blank=True)
    verified_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    verified_intact = models.BooleanField(_("intact when checked"), null=True, blank=True)
    verified_report = models.TextField(_("last check's report"), blank=True)

    class Meta:
        default_permissions = ()
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self):
        return f"#{self.seq}"
