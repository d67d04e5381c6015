"""The installation's secrets: production refuses to start without its own, nobody runs on a
published or short one, and the demo gets a random key of its own."""

import base64
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from duken.core import keys

GOOD = "k" + "Zq9-xT4_pW2rL7mN" * 4


def _receipt_key_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


RECEIPT_KEY = base64.b64encode(_receipt_key_pem()).decode()


def _duken(*args, env_extra, tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DUKEN_", "SECRET_KEY", "DATABASE_URL", "DEBUG", "REDIS_URL"))
        and key not in ("ALLOWED_HOSTS", "EMAIL_URL", "SITE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update({"DUKEN_VAR_DIR": str(tmp_path), "DUKEN_REQUEST_LOG": "0", **env_extra})
    return subprocess.run(
        [sys.executable, "-m", "duken.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _duken("check", env_extra={"DUKEN_PRODUCTION": "1"}, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "SECRET_KEY must be set when DUKEN_PRODUCTION is on" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "value",
    [
        "duken-insecure-demo-key-set-SECRET_KEY-in-production",  # the key once published
        "django-insecure-" + "x1y2z3" * 10,
        "correct-horse-battery-staple",  # short
        "ab" * 40,  # long but made of two characters
    ],
)
def test_a_published_short_or_uniform_key_is_refused_outside_debug(tmp_path, value):
    result = _duken("check", env_extra={"SECRET_KEY": value}, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "SECRET_KEY is" in result.stderr and "forge" in result.stderr


def test_the_demo_gets_a_random_key_of_its_own_kept_private(tmp_path):
    # given two installations that never set a key
    first = keys.required_secret(
        "", name="SECRET_KEY", var_dir=tmp_path / "a", production=False, debug=False
    )
    again = keys.required_secret(
        "", name="SECRET_KEY", var_dir=tmp_path / "a", production=False, debug=False
    )
    other = keys.required_secret(
        "", name="SECRET_KEY", var_dir=tmp_path / "b", production=False, debug=False
    )
    # then each has its own strong key, stable across restarts, readable by its owner only
    assert first == again and first != other
    assert keys.weakness(first) is None
    path = tmp_path / "a" / "secrets" / "secret-key"
    assert path.stat().st_mode & 0o777 == 0o600


def test_processes_starting_together_share_one_generated_key(tmp_path):
    results = []

    def start():
        results.append(keys.installation_secret(tmp_path, "secret-key"))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1
    assert [p.name for p in Path(tmp_path, "secrets").iterdir()] == ["secret-key"]


def test_the_sandbox_gateway_has_its_own_secret(settings):
    assert settings.DUKEN_PAYMENT_SANDBOX_SECRET
    assert settings.DUKEN_PAYMENT_SANDBOX_SECRET != settings.SECRET_KEY
    assert keys.weakness(settings.DUKEN_PAYMENT_SANDBOX_SECRET) is None


def test_production_offers_no_sandbox_gateway_unless_listed(tmp_path):
    show = "from django.conf import settings; print(settings.DUKEN_PAYMENT_PROVIDERS)"
    # given production with its own key and nothing said about payment providers
    result = _duken(
        "shell",
        "-c",
        show,
        env_extra={
            "DUKEN_PRODUCTION": "1",
            "SECRET_KEY": GOOD,
            "DUKEN_RECEIPT_SIGNING_KEY": RECEIPT_KEY,
        },
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Sandbox" not in result.stdout and "BankTransferProvider" in result.stdout
    # when the sandbox is listed explicitly without its own secret, production refuses
    listed = {
        "DUKEN_PRODUCTION": "1",
        "SECRET_KEY": GOOD,
        "DUKEN_RECEIPT_SIGNING_KEY": RECEIPT_KEY,
        "DUKEN_PAYMENT_PROVIDERS": "duken.payments.providers.sandbox.SandboxCardProvider",
    }
    result = _duken("shell", "-c", show, env_extra=listed, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "DUKEN_PAYMENT_SANDBOX_SECRET must be set" in result.stderr


def test_check_deploy_reports_no_issues_for_a_real_production_setup(tmp_path):
    # given DEBUG off, a real key, the shop's host, HTTPS and a mail server
    env = {
        "DUKEN_PRODUCTION": "1",
        "SECRET_KEY": GOOD,
        "DUKEN_RECEIPT_SIGNING_KEY": RECEIPT_KEY,
        "ALLOWED_HOSTS": "shop.example.kz",
        "DUKEN_HTTPS": "true",
        "SITE_URL": "https://shop.example.kz",
        "EMAIL_URL": "smtp+tls://shop:password@smtp.example.kz:587",
    }
    # when
    result = _duken(
        "check", "--deploy", "--fail-level", "WARNING", env_extra=env, tmp_path=tmp_path
    )
    # then
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_names_what_a_demo_setup_lacks(tmp_path):
    result = _duken("check", "--deploy", env_extra={}, tmp_path=tmp_path)
    assert result.returncode == 1
    for code in ("duken.E001", "duken.W002", "security.W004", "security.W008"):
        assert code in result.stderr, code


def test_duken_https_turns_on_every_https_protection(tmp_path):
    show = (
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SECURE_PROXY_SSL_HEADER, s.CSRF_TRUSTED_ORIGINS)"
    )
    env = {"DUKEN_HTTPS": "true", "ALLOWED_HOSTS": "shop.example.kz,.duken.kz"}
    result = _duken("shell", "-c", show, env_extra=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "True 31536000 True True True ('HTTP_X_FORWARDED_PROTO', 'https') "
        "['https://shop.example.kz', 'https://*.duken.kz']"
    )


def test_links_in_e_mails_follow_the_port_the_demo_runs_on(tmp_path):
    show = "from django.conf import settings; print(settings.SITE_URL)"
    result = _duken("shell", "-c", show, env_extra={"PORT": "8123"}, tmp_path=tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8123"
    configured = {"PORT": "8123", "SITE_URL": "https://shop.example.kz"}
    result = _duken("shell", "-c", show, env_extra=configured, tmp_path=tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "https://shop.example.kz"


def test_production_refuses_to_start_without_a_receipt_signing_key(tmp_path):
    # given production with its own SECRET_KEY but no receipt key, then with a broken one
    missing = _duken(
        "check", env_extra={"DUKEN_PRODUCTION": "1", "SECRET_KEY": GOOD}, tmp_path=tmp_path
    )
    broken = _duken(
        "check",
        env_extra={"SECRET_KEY": GOOD, "DUKEN_RECEIPT_SIGNING_KEY": "bm90IGEga2V5"},
        tmp_path=tmp_path,
    )
    # then neither starts, and each says what to do
    assert missing.returncode == 2
    assert "DUKEN_RECEIPT_SIGNING_KEY must be set when DUKEN_PRODUCTION is on" in missing.stderr
    assert broken.returncode == 2 and "openssl genpkey -algorithm ed25519" in broken.stderr
    assert "Traceback" not in missing.stderr + broken.stderr


def test_a_receipt_key_is_read_from_a_pem_file_pem_text_or_base64(tmp_path):
    # given one key written three ways
    pem = _receipt_key_pem()
    path = tmp_path / "receipt-key.pem"
    path.write_bytes(pem)
    # when each is loaded
    loaded = [
        keys.load_signing_key(value)
        for value in (str(path), pem.decode(), base64.b64encode(pem).decode())
    ]
    # then they are the same key
    raw = {key.private_bytes_raw() for key in loaded}
    assert len(raw) == 1


def test_the_demo_receipt_key_is_made_once_and_kept_private(tmp_path):
    path = tmp_path / "secrets" / "receipt-signing-key.pem"
    first = keys.installation_signing_key(path)
    again = keys.installation_signing_key(path)
    assert first.private_bytes_raw() == again.private_bytes_raw()
    assert path.stat().st_mode & 0o777 == 0o600
    replaced = keys.replace_installation_signing_key(path)
    assert replaced.private_bytes_raw() != first.private_bytes_raw()
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["receipt-signing-key.pem"]
