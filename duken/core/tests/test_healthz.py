import json
import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from django.utils import timezone


@pytest.mark.django_db
def test_healthz_answers_ok_when_database_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_healthz_answers_503_when_database_is_unreachable(tmp_path):
    # given an app configured with a PostgreSQL server that does not exist (a closed port)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://nobody@127.0.0.1:{closed_port}/nothing",
        "DUKEN_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "duken.settings",
    }
    code = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz')\n"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))\n"
    )
    # when a load balancer asks
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    # then the answer is 503 with a small JSON body, not a crash
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"]["database"] == "unreachable"


def _heartbeat(seen_ago):
    from duken.core.models import WorkerHeartbeat

    seen = timezone.now() - seen_ago
    WorkerHeartbeat.objects.create(
        worker_id="w1", host="shop-1", pid=4242, started_at=seen, last_seen=seen
    )


@pytest.mark.django_db
def test_healthz_says_when_no_worker_has_run(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"] == {"status": "none", "last_seen": None, "age_seconds": None}


@pytest.mark.django_db
def test_healthz_reports_a_worker_seen_within_the_timeout(
    client, settings, django_assert_max_num_queries
):
    # given a worker that wrote its heartbeat 3 seconds ago
    settings.DUKEN_WORKER_TIMEOUT = 60
    _heartbeat(timedelta(seconds=3))
    # when a load balancer asks
    with django_assert_max_num_queries(2):
        response = client.get("/healthz")
    # then
    assert response.status_code == 200
    worker = response.json()["worker"]
    assert worker["status"] == "ok"
    assert 3 <= worker["age_seconds"] < 30
    last_seen = datetime.fromisoformat(worker["last_seen"])
    assert abs((timezone.now() - last_seen).total_seconds() - 3) < 30


@pytest.mark.django_db
def test_healthz_calls_a_silent_worker_stale_but_keeps_the_web_server_in_rotation(client, settings):
    # given the only worker was last seen 61 seconds ago
    settings.DUKEN_WORKER_TIMEOUT = 60
    _heartbeat(timedelta(seconds=61))
    # when
    response = client.get("/healthz")
    # then the worker is stale, and the app itself is still healthy
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["worker"]["status"] == "stale"
    assert body["worker"]["age_seconds"] >= 61


@pytest.mark.django_db
def test_healthz_stays_up_while_a_new_release_waits_for_its_migration(client):
    # given a database without the heartbeat table yet (dropped inside the test's transaction)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE core_workerheartbeat")
    # when
    response = client.get("/healthz")
    # then the web server stays in rotation and says it cannot tell
    assert response.status_code == 200
    assert response.json()["worker"]["status"] == "unknown"


def test_security_txt_says_where_to_report_a_vulnerability(client, settings):
    settings.DUKEN_SECURITY_CONTACT = "security@shop.example.kz"
    settings.SITE_URL = "https://shop.example.kz"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = dict(line.split(": ", 1) for line in response.content.decode().splitlines())
    assert lines["Contact"] == "mailto:security@shop.example.kz"
    assert lines["Canonical"] == "https://shop.example.kz/.well-known/security.txt"
    assert lines["Expires"] > "2026"
