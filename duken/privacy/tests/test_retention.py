from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from duken.catalog.models import SearchQuery
from duken.core import recurring
from duken.interactions.models import Event, Kind
from duken.privacy import retention
from duken.privacy.models import ConsentRecord, Purpose, Source


@pytest.fixture
def customer(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("aliya@example.kz", "Steppe-Winds-2026")


def _event(days_ago, user=None, visitor="v1"):
    return Event.objects.create(
        user=user,
        visitor_id=visitor,
        kind=Kind.PAGE_VIEW,
        occurred_at=timezone.now() - timedelta(days=days_ago),
    )


def _consent(days_ago, user=None, visitor="v1"):
    return ConsentRecord.objects.create(
        user=user,
        visitor_id=visitor,
        purpose=Purpose.ANALYTICS,
        granted=True,
        wording_version="2026-11",
        source=Source.BANNER,
        created_at=timezone.now() - timedelta(days=days_ago),
    )


def test_old_raw_events_and_old_anonymous_data_go_and_the_rest_stays(customer, settings):
    # given the defaults: raw events 395 days, anonymous visitors 180 days
    assert settings.DUKEN_RETENTION_RAW_EVENTS_DAYS == 395
    assert settings.DUKEN_RETENTION_ANONYMOUS_DAYS == 180
    old_customer_event = _event(400, user=customer)
    kept_customer_event = _event(200, user=customer)
    old_anonymous_event = _event(181)
    kept_anonymous_event = _event(179)
    old_anonymous_consent = _consent(181)
    kept_anonymous_consent = _consent(10)
    customer_consent = _consent(1000, user=customer)  # the customer's proof stays
    old_search = SearchQuery.objects.create(
        query="boots", normalized="boots", result_count=1, session_key="abc"
    )
    SearchQuery.objects.filter(pk=old_search.pk).update(
        created_at=timezone.now() - timedelta(days=200)
    )
    # when, with small batches
    counts = retention.purge(batch=1)
    # then
    assert counts == {
        "events": 1,
        "anonymous_events": 1,
        "anonymous_consents": 1,
        "searches_unlinked": 1,
    }
    remaining = set(Event.objects.values_list("pk", flat=True))
    assert remaining == {kept_customer_event.pk, kept_anonymous_event.pk}
    assert old_customer_event.pk not in remaining and old_anonymous_event.pk not in remaining
    consents = set(ConsentRecord.objects.values_list("pk", flat=True))
    assert consents == {kept_anonymous_consent.pk, customer_consent.pk}
    assert old_anonymous_consent.pk not in consents
    old_search.refresh_from_db()
    assert old_search.session_key == "" and old_search.query == "boots"
    # and a second run deletes nothing more
    assert set(retention.purge().values()) == {0}


def test_the_periods_come_from_the_settings(customer, settings):
    settings.DUKEN_RETENTION_RAW_EVENTS_DAYS = 30
    settings.DUKEN_RETENTION_ANONYMOUS_DAYS = 7
    _event(31, user=customer)
    _event(8)
    kept = _event(6)
    retention.purge()
    assert list(Event.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_worker_runs_it_daily_and_the_command_runs_it_now(customer, capsys):
    registered = {r.name: r for r in recurring.registered()}
    assert registered["privacy.retention"].interval_seconds() == 24 * 3600
    assert registered["privacy.retention"].task_path == "duken.privacy.tasks.apply_retention"
    assert "privacy.expire-exports" in registered
    _event(400, user=customer)
    call_command("retention")
    assert not Event.objects.exists()
    assert "Deleted 1 old events" in capsys.readouterr().out


def test_a_period_of_zero_keeps_that_kind_for_ever(customer, settings):
    settings.DUKEN_RETENTION_RAW_EVENTS_DAYS = 0
    settings.DUKEN_RETENTION_ANONYMOUS_DAYS = 0
    _event(5000, user=customer)
    _event(5000)
    _consent(5000)
    assert set(retention.purge().values()) == {0}
    assert Event.objects.count() == 2 and ConsentRecord.objects.count() == 1
