import json
import os
import socket
import subprocess
import sys

import pytest


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
