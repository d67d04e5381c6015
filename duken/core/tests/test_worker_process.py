"""Real worker processes on a real database: a task whose worker was killed runs again on
another worker after the timeout, and two schedulers racing for a due schedule enqueue it once.

The processes share a database with the test: a file copy of the (migrated) SQLite test
database, or the PostgreSQL test database itself."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from duken.core.models import Schedule, WorkerHeartbeat
from duken.core.sqlite.base import DatabaseWrapper
from duken.core.tests import worker_tasks

ROOT = Path(settings.BASE_DIR).parent
ALIAS = "workerdb"
TIMEOUT = 2  # DUKEN_WORKER_TIMEOUT for the worker processes, in seconds


@dataclass
class SharedDb:
    alias: str  # how the test reaches the database
    url: str  # how the worker processes reach it
    var_dir: Path

    def env(self, **extra) -> dict:
        env = {
            k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DUKEN_TASKS_IMMEDIATE"}
        }
        env.update(
            DATABASE_URL=self.url,
            DUKEN_VAR_DIR=str(self.var_dir),
            DJANGO_SETTINGS_MODULE="duken.settings",
            DUKEN_WORKER_TIMEOUT=str(TIMEOUT),
            LOG_LEVEL="INFO",
            **extra,
        )
        return env


@pytest.fixture
def shared_db(tmp_path, transactional_db):
    """Not inside a test transaction: the worker processes must see what the test writes."""
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    default = connections["default"]
    if default.vendor != "sqlite":
        # The test database itself (emptied after the test, as every transactional test's is).
        params = default.settings_dict
        yield SharedDb(
            "default",
            "postgres://{}:{}@{}:{}/{}".format(
                quote(params["USER"] or ""),
                quote(params["PASSWORD"] or ""),
                params["HOST"] or "127.0.0.1",
                params["PORT"] or 5432,
                params["NAME"],
            ),
            var_dir,
        )
        return
    # The in-memory test database, already migrated, copied to a file the processes can open.
    path = tmp_path / "duken.sqlite3"
    default.ensure_connection()
    copy = sqlite3.connect(path)
    default.connection.backup(copy)
    copy.close()
    # A connection made for this test only (not in the settings, so the test case allows it).
    params = connections.configure_settings(
        {"default": connections.settings["default"], ALIAS: {"ENGINE": "duken.core.sqlite"}}
    )[ALIAS]
    connections[ALIAS] = DatabaseWrapper({**params, "NAME": str(path)}, ALIAS)
    try:
        yield SharedDb(ALIAS, f"sqlite:///{path}", var_dir)
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]


def enqueue(db: SharedDb, task, *args) -> DBTaskResult:
    """What django-tasks-db's ``task.enqueue()`` writes, in the shared database."""
    return DBTaskResult.objects.using(db.alias).create(
        args_kwargs={"args": list(args), "kwargs": {}},
        task_path=task.module_path,
        queue_name="default",
        backend_name="default",
        run_after=get_date_max(),
    )


def start_worker(db: SharedDb, worker_id: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "duken.cli", "worker", "--no-startup-delay", "--interval", "0.1"]
        + ["--worker-id", worker_id, "--no-reload"],
        cwd=ROOT,
        env=db.env(),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def stop(process: subprocess.Popen):
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def test_a_task_whose_worker_was_killed_runs_again_on_another_worker(shared_db, tmp_path):
    # given a worker running a task that blocks until released
    folder = tmp_path / "task"
    folder.mkdir()
    result = enqueue(shared_db, worker_tasks.wait_for_release, str(folder))
    first = start_worker(shared_db, "first", tmp_path / "first.log")
    second = None
    try:
        wait_for(lambda: list(folder.glob("started-*")), "the first worker to start the task")
        row = DBTaskResult.objects.using(shared_db.alias).get(pk=result.pk)
        assert (row.status, row.worker_ids) == ("RUNNING", ["first"])
        # when the worker is killed mid-task (no chance to clean up) and another one starts
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        (folder / "release").touch()
        second = start_worker(shared_db, "second", tmp_path / "second.log")
        # then after the timeout the task is put back in the queue and runs to completion
        wait_for(
            lambda: (
                DBTaskResult.objects.using(shared_db.alias).get(pk=result.pk).status
                in ("SUCCESSFUL", "FAILED")
            ),
            "the task to finish on the second worker",
        )
    finally:
        stop(first)
        if second is not None:
            stop(second)
    row = DBTaskResult.objects.using(shared_db.alias).get(pk=result.pk)
    assert row.status == "SUCCESSFUL", row.traceback
    assert row.worker_ids == ["first", "second"]
    assert row.return_value == 2  # started twice: once per worker
    log = (tmp_path / "second.log").read_text()
    assert "task put back in the queue" in log and str(result.pk) in log
    # and both workers left a heartbeat
    workers = WorkerHeartbeat.objects.using(shared_db.alias)
    assert set(workers.values_list("worker_id", flat=True)) >= {"first", "second"}


RACE = """
import sys, time
from pathlib import Path
import django
django.setup()
from duken.core import scheduler
from duken.core.tests import worker_tasks  # noqa: F401  (imported before the start signal)
Path(sys.argv[1] + ".ready").touch()
while not Path(sys.argv[2]).exists():
    time.sleep(0.002)
print("fired:" + ",".join(scheduler.run_due_schedules()))
"""


def test_two_schedulers_racing_for_a_due_schedule_enqueue_it_once(shared_db, tmp_path):
    # given a due schedule and two scheduler processes ready to run it at the same moment
    Schedule.objects.using(shared_db.alias).create(
        name="test.noop",
        task_path=worker_tasks.noop.module_path,
        interval_seconds=600,
        next_run_at=timezone.now() - timedelta(seconds=1),
    )
    go = tmp_path / "go"
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, str(tmp_path / f"racer{i}"), str(go)],
            cwd=ROOT,
            env=shared_db.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    try:
        wait_for(
            lambda: all((tmp_path / f"racer{i}.ready").exists() for i in range(2)),
            "both schedulers to start",
        )
        # when both run the due schedules at once
        go.touch()
        outputs = [racer.communicate(timeout=30) for racer in racers]
    finally:
        for racer in racers:
            stop(racer)
    # then exactly one of them enqueued it, once
    fired = sorted(out.strip().splitlines()[-1] for out, _err in outputs)
    assert fired == ["fired:", "fired:test.noop"], outputs
    runs = DBTaskResult.objects.using(shared_db.alias).filter(
        task_path=worker_tasks.noop.module_path
    )
    assert runs.count() == 1
    schedule = Schedule.objects.using(shared_db.alias).get(name="test.noop")
    assert schedule.last_result_id == str(runs.get().pk)
    assert schedule.next_run_at > timezone.now()
