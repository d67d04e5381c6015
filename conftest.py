import os
import shutil

import pytest


def pytest_configure(config):
    os.environ.setdefault("DUKEN_REQUEST_LOG", "0")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    skip_pg = pytest.mark.skip(
        reason="PostgreSQL test: set DUKEN_TEST_POSTGRES_URL (make test does)"
    )
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
