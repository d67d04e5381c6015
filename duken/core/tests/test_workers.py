"""Heartbeats and the visibility timeout, one reaper pass at a time (the real processes are in
test_worker_process.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from duken.core import workers
from duken.core.models import WorkerHeartbeat
from duken.core.tests import worker_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _timeout(settings):
    settings.DUKEN_WORKER_TIMEOUT = 60


def running_task(worker_ids, started_ago):
    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path=worker_tasks.noop.module_path,
        backend_name="default",
        run_after=get_date_max(),
        status="RUNNING",
        started_at=timezone.now() - started_ago,
        worker_ids=worker_ids,
    )


def heartbeat(worker_id, seen_ago):
    seen = timezone.now() - seen_ago
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id, host="shop-1", pid=4242, started_at=seen, last_seen=seen
    )


def status(task):
    return DBTaskResult.objects.get(pk=task.pk).status


def test_a_heartbeat_is_one_row_per_worker_moved_forward_each_beat():
    # given
    first = timezone.now()
    workers.beat("w1", now=first)
    # when
    workers.beat("w1", now=first + timedelta(seconds=5))
    # then
    row = WorkerHeartbeat.objects.get()
    assert (row.worker_id, row.started_at) == ("w1", first)
    assert row.last_seen == first + timedelta(seconds=5)
    assert row.pid > 0 and row.host


def test_a_task_of_a_worker_not_seen_for_the_timeout_goes_back_to_the_queue(caplog):
    # given a task running for two minutes on a worker last seen 61 seconds ago
    heartbeat("dead", seen_ago=timedelta(seconds=61))
    task = running_task(["dead"], started_ago=timedelta(minutes=2))
    # when a reaper passes
    reaped = workers.reap_abandoned()
    # then the task is ready for another worker, and the log says so
    assert reaped == [str(task.pk)]
    row = DBTaskResult.objects.get(pk=task.pk)
    assert (row.status, row.started_at, row.worker_ids) == ("READY", None, ["dead"])
    assert DBTaskResult.objects.ready().filter(pk=task.pk).exists()
    [record] = [r for r in caplog.records if r.name == "duken.core.workers"]
    assert record.getMessage().startswith("task put back in the queue")
    assert (record.task_result, record.worker) == (str(task.pk), "dead")


def test_a_long_task_of_a_worker_that_is_alive_is_left_alone():
    heartbeat("alive", seen_ago=timedelta(seconds=3))
    task = running_task(["alive"], started_ago=timedelta(hours=2))
    assert workers.reap_abandoned() == []
    assert status(task) == "RUNNING"


def test_a_task_of_a_worker_without_heartbeat_is_reaped_only_after_the_timeout():
    # given tasks claimed by a worker that never wrote a heartbeat (django-tasks' plain worker)
    recent = running_task(["plain"], started_ago=timedelta(seconds=10))
    old = running_task(["plain"], started_ago=timedelta(seconds=90))
    # when
    workers.reap_abandoned()
    # then
    assert (status(recent), status(old)) == ("RUNNING", "READY")


def test_only_one_of_several_reapers_puts_a_task_back():
    heartbeat("dead", seen_ago=timedelta(minutes=5))
    task = running_task(["dead"], started_ago=timedelta(minutes=5))
    assert workers.reap_abandoned() == [str(task.pk)]
    assert workers.reap_abandoned() == []


def test_a_task_that_took_its_worker_down_again_and_again_fails():
    # given a task whose fifth worker died while running it
    heartbeat("dead", seen_ago=timedelta(minutes=5))
    task = running_task(["w1", "w2", "w3", "w4", "dead"], started_ago=timedelta(minutes=5))
    # when
    workers.reap_abandoned()
    # then it is not queued a sixth time
    row = DBTaskResult.objects.get(pk=task.pk)
    assert row.status == "FAILED"
    assert row.exception_class_path == "duken.core.workers.WorkerLost"


def test_workers_gone_for_a_day_are_forgotten():
    heartbeat("yesterday", seen_ago=timedelta(days=1, minutes=1))
    heartbeat("today", seen_ago=timedelta(hours=23))
    assert workers.forget_gone_workers() == 1
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["today"]


def test_heartbeats_come_several_times_per_timeout(settings):
    settings.DUKEN_WORKER_TIMEOUT = 60
    assert workers.beat_seconds() == 5 and workers.reap_seconds() == 30
    settings.DUKEN_WORKER_TIMEOUT = 2
    assert workers.beat_seconds() == 0.5 and workers.reap_seconds() == 1
