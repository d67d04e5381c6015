"""The demo's admin logs in with what `duken demo` prints: the password, then a code from an
authenticator app given the printed key, or a printed recovery code."""

import io
import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from duken.demo.management.commands.demo import Command

pytestmark = pytest.mark.django_db


def run_demo_admin(settings, tmp_path) -> str:
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    command = Command(stdout=out)
    _email, _password, device, codes = command._admin()
    command._second_factor(device, codes)
    return out.getvalue()


def app_code(key: str) -> str:
    """What an authenticator app given ``key`` shows now."""
    totp = TOTP(b32decode(key.replace(" ", "")), step=30, t0=0, digits=6)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_the_demo_admin_opens_the_back_office_with_the_printed_key(client, settings, tmp_path):
    # given
    text = run_demo_admin(settings, tmp_path)
    kept = (tmp_path / "demo-admin.txt").read_text()
    password = re.search(r"^password: (\S+)$", kept, re.M).group(1)
    key = re.search(r"given the key ([A-Z2-7 ]+),", text).group(1)
    # when
    client.post("/admin/login/", {"username": "admin@duken.example", "password": password})
    response = client.post("/account/login/code/", {"code": app_code(key), "next": "/admin/"})
    # then
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_second_run_prints_the_same_login_and_a_recovery_code_works(client, settings, tmp_path):
    # given
    first = run_demo_admin(settings, tmp_path)
    second = run_demo_admin(settings, tmp_path)
    code = re.search(r"^  (\S{4}-\S{4}-\S{4}-\S{4})", second, re.M).group(1)
    password = re.search(
        r"^password: (\S+)$", (tmp_path / "demo-admin.txt").read_text(), re.M
    ).group(1)
    # when
    client.post("/admin/login/", {"username": "admin@duken.example", "password": password})
    response = client.post("/account/login/code/", {"code": code, "next": "/admin/"})
    # then
    assert first == second
    assert response.status_code == 302 and client.get("/admin/").status_code == 200
