"""Nothing accepted is lost when server and worker processes are killed: a short run of
bench/chaos.py (real server processes, the task worker, a real SMTP server on loopback)."""

import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "chaos.py"


@pytest.mark.postgres
def test_checkouts_and_payments_survive_processes_killed_at_random():
    # given a PostgreSQL server (the database of this test run names it) and a database of
    # the run's own
    base = urllib.parse.urlsplit(os.environ["DUKEN_TEST_POSTGRES_URL"])
    url = base._replace(path="/duken_chaos_test").geturl()
    # when 60 shoppers check out and pay while 10 processes are killed at random moments
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--database-url",
            url,
            "--shoppers",
            "60",
            "--concurrency",
            "12",
            "--kills",
            "10",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    # then every figure that counts a loss is zero
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["kills"] >= 10 and figures["orders_placed"] > 0, result.stdout
    for key in (
        "lost",
        "duplicated",
        "stock_mismatches",
        "orders_without_payment",
        "emails_missing",
        "emails_doubled",
        "tasks_stuck",
    ):
        assert figures[key] == 0, (key, result.stdout[-3000:])
    assert result.returncode == 0
