import os
import shutil

import pytest


def pytest_configure(config):
    os.environ.setdefault("DUKEN_REQUEST_LOG", "0")


@pytest.fixture(autouse=True, scope="session")
def _cache_of_this_test_process(tmp_path_factory):
    """Each test process has its own shared-disk cache, so one process's clear() never empties
    another's (the shop's processes share one; test processes must not)."""
    from django.conf import settings
    from django.test.utils import override_settings

    caches = settings.CACHES
    if caches["default"]["BACKEND"] != "duken.core.cache.SharedDiskCache":
        yield
        return
    location = tmp_path_factory.mktemp("cache")
    default = {**caches["default"], "LOCATION": str(location), "SHARDS": 1}
    with override_settings(CACHES={**caches, "default": default}):
        yield


@pytest.fixture(autouse=True, scope="session")
def _audit_triggers_survive_the_flush():
    """Transactional tests empty the database when they end; on SQLite that goes around the
    audit log's append-only triggers and puts them back (``duken.testing.audit``)."""
    from duken.testing.audit import lift_triggers_around_flush

    lift_triggers_around_flush()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DUKEN_PRIVATE_ROOT = tmp_path / "private"
    # Receipts are signed with a key of the test's own, never the developer's.
    settings.DUKEN_RECEIPT_KEY_FILE = tmp_path / "secrets" / "receipt-signing-key.pem"
    settings.DUKEN_RECEIPT_SIGNING_KEY = ""


@pytest.fixture(autouse=True)
def _static_without_manifest(settings):
    """Pages render in tests without a collectstatic run (the manifest exists only after it)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _english_by_default():
    """Tests assert the source (English) texts while the shop's default language is Russian:
    code under test runs in English, and the test client asks for English (see ``client``).
    A test about another language picks it (language cookie, Accept-Language, override)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
    return client


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's logged-in superuser, whose session passed the second factor as staff
    sessions must (``duken.testing.accounts``)."""
    from duken.testing.accounts import login_verified

    return login_verified(client, admin_user)


@pytest.fixture(autouse=True)
def _rows_from_migrations(request):
    """The PostgreSQL race tests name their apps, so their teardown empties every table,
    including the rows the migrations' signals create (permissions, content types, the staff
    groups); tests that run after them on the same worker get those rows back first."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db"}:
        return
    transactional = "transactional_db" in names or (marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.contrib.auth.models import Permission
    from django.core.management.sql import emit_post_migrate_signal

    if not Permission.objects.exists():
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache, as a freshly started shop does."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _empty_interaction_buffer():
    """Buffered interaction events belong to the test that made them: none leaks into the next."""
    from duken.interactions import buffer

    buffer.discard()
    yield
    buffer.wait_idle()
    buffer.discard()


@pytest.fixture(autouse=True)
def _interaction_batches_written_in_the_request_thread(settings):
    """A due batch is written by the request that finished, so a test can assert on it right
    after; the writer thread that does it in production has its own test."""
    settings.INTERACTIONS_FLUSH_IN_BACKGROUND = False


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    """Background tasks (order e-mails, ...) run in-process during tests, right when they are
    enqueued, so their effects can be asserted."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def chromium_path():
    """Debian's Chromium for browser tests; the suite never downloads a browser."""
    path = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
    )
    if not path:
        if os.environ.get("DUKEN_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium to run browser tests)")
    return path


_page_watch = pytest.StashKey()


@pytest.fixture
def browser(chromium_path, request):
    """Chromium driven by Playwright, every page watched: a Content-Security-Policy violation
    or an uncaught script error on any page fails the test (duken/testing/browser.py)."""
    from duken.testing.browser import watched_chromium

    with watched_chromium(chromium_path) as (browser, watch):
        request.node.stash[_page_watch] = watch
        yield browser


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A browser test whose pages reported a problem fails, even if its assertions passed."""
    try:
        result = yield
    except BaseException as failure:
        if reported := _browser_reports(item):
            failure.add_note(reported)
        raise
    if reported := _browser_reports(item):
        pytest.fail(reported, pytrace=False)
    return result


def _browser_reports(item) -> str:
    watch = item.stash.get(_page_watch, None)
    if watch is None:
        return ""
    watch.settle()
    return "The browser reported:\n" + "\n".join(watch.problems) if watch.problems else ""


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    skip_pg = pytest.mark.skip(
        reason="PostgreSQL test: set DUKEN_TEST_POSTGRES_URL (make test does)"
    )
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)


class _Inbox:
    """Messages a real SMTP server on loopback received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        import email
        from email import policy

        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(msg)
        return "250 Message accepted for delivery"

    def to(self, address):
        return [m for m in self.messages if address in str(m["To"])]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1; Django sends to it over SMTP."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()
