"""The durable scheduler: rows from the registry, one enqueue per due run, missed runs caught up
once, one run at a time. Tasks go to the database queue here, so their rows can be read."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from duken.core import recurring, scheduler
from duken.core.models import RunStatus, Schedule
from duken.core.tests import worker_tasks

NOOP = worker_tasks.noop.module_path


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def runs():
    return DBTaskResult.objects.filter(task_path=NOOP)


def due_schedule(every=600, due_since=timedelta(seconds=1), **fields):
    return Schedule.objects.create(
        name="test.noop",
        task_path=NOOP,
        interval_seconds=every,
        next_run_at=timezone.now() - due_since,
        **fields,
    )


@pytest.mark.django_db
def test_the_registry_becomes_rows_and_a_new_schedule_waits_one_interval():
    # given
    now = timezone.now()
    entries = [recurring.Recurring("test.noop", NOOP, lambda: 300)]
    # when a worker starts
    scheduler.sync_schedules(entries, now=now)
    # then
    schedule = Schedule.objects.get(name="test.noop")
    assert (schedule.task_path, schedule.interval_seconds, schedule.enabled) == (NOOP, 300, True)
    assert schedule.next_run_at == now + timedelta(seconds=300)


@pytest.mark.django_db
def test_a_schedule_set_to_0_or_no_longer_registered_is_disabled():
    # given two schedules from an earlier start
    now = timezone.now()
    scheduler.sync_schedules(
        [
            recurring.Recurring("test.noop", NOOP, lambda: 300),
            recurring.Recurring("old", NOOP, lambda: 60),
        ],
        now=now,
    )
    # when the next start has one at 0 and the other gone
    scheduler.sync_schedules([recurring.Recurring("test.noop", NOOP, lambda: 0)], now=now)
    # then neither runs any more, and both rows stay
    assert list(Schedule.objects.values_list("name", "enabled", "next_run_at")) == [
        ("old", False, None),
        ("test.noop", False, None),
    ]
    assert scheduler.run_due_schedules(now + timedelta(days=2)) == []


@pytest.mark.django_db
def test_a_shorter_interval_counts_from_the_last_run(database_queue):
    # given a daily schedule that last ran 10 hours ago
    now = timezone.now()
    schedule = due_schedule(every=86400, last_run_at=now - timedelta(hours=10))
    Schedule.objects.filter(pk=schedule.pk).update(next_run_at=now + timedelta(hours=14))
    # when it is set to every hour
    scheduler.sync_schedules([recurring.Recurring("test.noop", NOOP, lambda: 3600)], now=now)
    # then it is due now
    assert Schedule.objects.get().next_run_at == now - timedelta(hours=9)
    assert scheduler.run_due_schedules(now) == ["test.noop"]


@pytest.mark.django_db
def test_a_task_path_that_is_no_task_is_reported_and_the_others_still_sync(caplog):
    entries = [
        recurring.Recurring("broken", "duken.core.tests.worker_tasks.nothing_here", lambda: 60),
        recurring.Recurring("test.noop", NOOP, lambda: 60),
    ]
    scheduler.sync_schedules(entries)
    assert list(Schedule.objects.values_list("name", flat=True)) == ["test.noop"]
    assert "schedule broken names no task" in caplog.text


@pytest.mark.django_db
def test_the_shops_recurring_work_is_registered(settings):
    # given the retrain every 12 hours
    settings.DUKEN_RECS_RETRAIN_HOURS = 12
    # when a worker starts
    scheduler.sync_schedules()
    # then retraining and the payment time-outs run on their own
    rows = {s.name: s for s in Schedule.objects.all()}
    retrain = rows["recommendations.retrain"]
    assert retrain.task_path == "duken.recommendations.tasks.train_recommendations"
    assert (retrain.interval_seconds, retrain.enabled) == (12 * 3600, True)
    payments = rows["payments.expire-stale"]
    assert payments.task_path == "duken.payments.tasks.expire_stale_payments_task"
    assert (payments.interval_seconds, payments.enabled) == (300, True)
    assert {"checkout.purge-carts", "core.clear-sessions", "needs.back-in-stock-sweep"} <= set(rows)
    # and DUKEN_RECS_RETRAIN_HOURS=0 turns the scheduled retrain off
    settings.DUKEN_RECS_RETRAIN_HOURS = 0
    scheduler.sync_schedules()
    assert not Schedule.objects.get(name="recommendations.retrain").enabled


@pytest.mark.django_db
def test_a_due_schedule_is_enqueued_as_a_task_and_moves_to_its_next_run(database_queue):
    # given
    schedule = due_schedule(every=600)
    now = timezone.now()
    # when
    fired = scheduler.run_due_schedules(now)
    # then
    assert fired == ["test.noop"]
    run = runs().get()
    schedule.refresh_from_db()
    assert (schedule.last_run_at, schedule.last_status) == (now, RunStatus.READY)
    assert schedule.last_result_id == str(run.pk)
    assert now < schedule.next_run_at <= now + timedelta(seconds=600)
    # and nothing more until then
    assert scheduler.run_due_schedules(now + timedelta(seconds=30)) == []


@pytest.mark.django_db
def test_a_scheduler_that_read_the_schedule_before_another_enqueued_it_does_not_enqueue_again(
    database_queue,
):
    # given two schedulers that both read the due schedule
    due_schedule()
    now = timezone.now()
    read_by_first = scheduler.due_schedules(now)
    read_by_second = scheduler.due_schedules(now)
    # when the first enqueues it, then the second acts on what it read
    assert scheduler.fire(read_by_first[0], now)
    assert not scheduler.fire(read_by_second[0], now)
    # then it was enqueued once
    assert runs().count() == 1


@pytest.mark.django_db
def test_runs_missed_while_no_worker_was_up_are_caught_up_once(database_queue):
    # given an hourly schedule whose last ten runs were missed (every worker was down)
    schedule = due_schedule(every=3600, due_since=timedelta(hours=10, minutes=20))
    first_due = schedule.next_run_at
    now = timezone.now()
    # when a worker comes back and its scheduler ticks a few times
    fired = [scheduler.run_due_schedules(now + timedelta(seconds=s)) for s in (0, 5, 10)]
    # then it ran once, and the next run keeps the hourly cadence
    assert fired == [["test.noop"], [], []]
    assert runs().count() == 1
    schedule.refresh_from_db()
    assert schedule.next_run_at == first_due + 11 * timedelta(hours=1)
    assert now < schedule.next_run_at <= now + timedelta(hours=1)


@pytest.mark.django_db
def test_a_schedule_whose_previous_run_is_still_queued_or_running_is_not_enqueued_again(
    database_queue,
):
    # given a run enqueued by the schedule that no worker has finished
    due_schedule(every=60)
    now = timezone.now()
    assert scheduler.run_due_schedules(now) == ["test.noop"]
    first = runs().get()
    # when the next run is due while it is still queued, and then while it runs
    assert scheduler.run_due_schedules(now + timedelta(seconds=61)) == []
    DBTaskResult.objects.filter(pk=first.pk).update(status="RUNNING", started_at=now)
    assert scheduler.run_due_schedules(now + timedelta(seconds=121)) == []
    # then no second run was queued, and the schedule shows the first one running
    assert runs().count() == 1
    schedule = Schedule.objects.get()
    assert (schedule.last_status, schedule.last_result_id) == (RunStatus.RUNNING, str(first.pk))
    # once it has finished, the next due run is enqueued
    DBTaskResult.objects.filter(pk=first.pk).update(status="SUCCESSFUL")
    assert scheduler.run_due_schedules(now + timedelta(seconds=181)) == ["test.noop"]
    assert runs().count() == 2


@pytest.mark.django_db
def test_the_shown_status_follows_the_run_to_its_end(database_queue):
    due_schedule()
    scheduler.tick()
    run = runs().get()
    DBTaskResult.objects.filter(pk=run.pk).update(status="FAILED")
    scheduler.tick()
    assert Schedule.objects.get().last_status == RunStatus.FAILED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_schedulers_in_many_threads_enqueue_a_due_schedule_once(database_queue):
    # given a due schedule and eight schedulers with their own connections
    due_schedule()
    now = timezone.now()
    barrier = threading.Barrier(8)
    fired = []

    def scheduler_thread():
        try:
            barrier.wait(timeout=30)
            fired.extend(scheduler.run_due_schedules(now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler_thread) for _ in range(8)]
    # when they all run it at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then one of them enqueued it, once
    assert fired == ["test.noop"]
    assert runs().count() == 1
