"""`duken backup` and `duken restore` on real databases and real files.

A shop made here is backed up by `duken backup`, and a `duken restore` process restores the
archive into an empty installation of its own (an SQLite file, or on PostgreSQL a database of
this test's own, with the real pg_dump and pg_restore), which is then compared with the shop
table by table, order by order and byte by byte. Damaged and hostile archives change nothing.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.db.utils import load_backend
from PIL import Image

from duken.catalog.models import ProductImage
from duken.core import backup, scheduler, tasks
from duken.core.backup.sqlite import SqliteDatabase, refuse_when_open
from duken.core.models import Schedule
from duken.customers.models import User
from duken.orders.models import Order
from duken.testing.factories import make_order, make_product

ROOT = Path(settings.BASE_DIR).parent
RESTORED = "restored"  # the alias under which a test reads the restored database


# --- a shop, and an empty installation to restore it into ----------------------------------


@dataclass
class Shop:
    image: str  # the product image's name in MEDIA_ROOT
    digital_file: str  # the digital product's name in private storage
    secret_key: str
    order_numbers: list[str]


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def shop(transactional_db, settings, tmp_path) -> Shop:
    """Customers, products (one with an image, one digital), and orders with lines, committed
    (pg_dump reads what is committed) in a var folder of its own."""
    settings.VAR_DIR = tmp_path / "shop-var"
    (settings.VAR_DIR / "secrets").mkdir(parents=True)
    secret_key = "k" + hashlib.sha256(str(tmp_path).encode()).hexdigest() * 2
    (settings.VAR_DIR / "secrets" / "secret-key").write_text(secret_key)
    (settings.VAR_DIR / "secrets" / "duken-payment-sandbox-secret").write_text(secret_key[::-1])
    mug = make_product(name="Red spotty mug", price="2500.00", stock=40)
    image = ProductImage(product=mug, alt="A red mug")
    image.image.save("mug.png", ContentFile(png_bytes()))
    guide = make_product(name="Tea guide", price="900.00", is_digital=True)
    guide.digital_file.save("guide.pdf", ContentFile(b"%PDF-1.4 how to brew tea"))
    teapot = make_product(name="Teapot", price="12990.00")
    numbers = []
    for n, items in enumerate([[(mug, 2, 0)], [(mug, 1, 0), (guide, 1, 0)], [(teapot, 3, 1)]]):
        customer = User.objects.create_user(f"customer-{n}@example.com")
        numbers.append(make_order(lines=items, user=customer, email=customer.email).number)
    numbers.append(make_order(lines=[(guide, 1, 0)], email="guest@example.com").number)
    return Shop(image.image.name, guide.digital_file.name, secret_key, numbers)


@dataclass
class Installation:
    """Another installation of Duken on this machine, reached by its own processes."""

    var_dir: Path
    url: str
    database: dict  # its database's settings, for reading it from the test

    def duken(self, *args: str, path: str | None = None) -> subprocess.CompletedProcess:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"REDIS_URL", "DUKEN_TASKS_IMMEDIATE", "DUKEN_BACKUP_DIR"}
            and key not in {"MEDIA_ROOT", "DUKEN_PRIVATE_ROOT"}
        }
        env.update(
            DATABASE_URL=self.url,
            DUKEN_VAR_DIR=str(self.var_dir),
            DJANGO_SETTINGS_MODULE="duken.settings",
            LOG_LEVEL="WARNING",
        )
        if path is not None:
            env["PATH"] = path
        return subprocess.run(
            [sys.executable, "-m", "duken.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    def file(self, part: str, name: str) -> Path:
        return self.var_dir / part / name


def _postgres(sql: str) -> None:
    params = connections["default"].settings_dict
    with psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        user=params["USER"],
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(sql)


def postgres_url(name: str, password: str | None = None) -> str:
    """The URL of the database ``name`` on the server of this test run."""
    params = connections["default"].settings_dict
    password = params["PASSWORD"] or "" if password is None else password
    return "postgres://{}:{}@{}:{}/{}".format(
        quote(params["USER"] or ""),
        quote(password),
        params["HOST"] or "127.0.0.1",
        params["PORT"] or 5432,
        name,
    )


@pytest.fixture
def empty_installation(tmp_path) -> Installation:
    """An installation with an empty database: a var folder without a database file, or an
    empty PostgreSQL database of this test's own (never the run's test database)."""
    var_dir = tmp_path / "restored-var"
    default = connections["default"]
    if default.vendor == "sqlite":
        path = var_dir / "duken.sqlite3"
        yield Installation(
            var_dir, f"sqlite:///{path}", {"ENGINE": "duken.core.sqlite", "NAME": str(path)}
        )
        return
    params = default.settings_dict
    name = f"duken_backup_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _postgres(f'CREATE DATABASE "{name}"')
    try:
        yield Installation(var_dir, postgres_url(name), {**params, "NAME": name})
    finally:
        _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def opened(installation: Installation):
    """The installation's database as a connection of this test (closed again on leaving, so
    a restore never finds it open)."""
    configured = connections.configure_settings(
        {"default": connections.settings["default"], RESTORED: installation.database}
    )[RESTORED]
    connections[RESTORED] = load_backend(configured["ENGINE"]).DatabaseWrapper(configured, RESTORED)
    try:
        yield RESTORED
    finally:
        connections[RESTORED].close()
        del connections[RESTORED]


def row_counts(alias: str) -> dict[str, int]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def order_as_kept(order: Order) -> dict:
    return {
        "number": order.number,
        "status": order.status,
        "subtotal": order.subtotal,
        "total": order.total,
        "email": order.email,
        "customer": order.user.email if order.user_id else None,
        "placed_at": order.placed_at,
        "lines": [
            (line.product_name, line.sku, line.unit_price, line.quantity, line.line_total)
            + (line.backordered_quantity, line.product.name)
            for line in order.lines.order_by("pk")
        ],
    }


def back_up(tmp_path: Path, *options: str) -> Path:
    folder = tmp_path / "backups"
    folder.mkdir(exist_ok=True)
    before = set(folder.iterdir())
    call_command("backup", "--output", f"{folder}/", *options, stdout=io.StringIO())
    (made,) = set(folder.iterdir()) - before
    return made


def state_of(installation: Installation) -> tuple:
    """Everything a restore could change: the database's rows and every file's bytes."""
    with opened(installation) as alias:
        counts = row_counts(alias)
        totals = sorted(Order.objects.using(alias).values_list("number", "total"))
    files = {
        str(path.relative_to(installation.var_dir)): path.read_bytes()
        for part in ("media", "private", "secrets")
        for path in sorted((installation.var_dir / part).rglob("*"))
        if path.is_file()
    }
    return counts, totals, files


def leftovers(installation: Installation) -> list[Path]:
    return sorted(installation.var_dir.rglob(".duken-*"))


def shop_state() -> tuple:
    """Everything a restore into this test's own shop could change."""
    counts = row_counts("default")
    totals = sorted(Order.objects.values_list("number", "total"))
    roots = [settings.MEDIA_ROOT, settings.DUKEN_PRIVATE_ROOT, Path(settings.VAR_DIR) / "secrets"]
    files = {
        str(path): path.read_bytes()
        for root in roots
        for path in sorted(Path(root).rglob("*"))
        if path.is_file()
    }
    return counts, totals, files


def shop_leftovers() -> list[Path]:
    roots = [settings.MEDIA_ROOT, settings.DUKEN_PRIVATE_ROOT, settings.VAR_DIR]
    return sorted(path for root in roots for path in Path(root).rglob(".duken-*"))


# --- the round trip --------------------------------------------------------------------------


def test_a_shop_restored_into_an_empty_database_is_the_shop_that_was_backed_up(
    shop, empty_installation, tmp_path, settings
):
    # given a backup of the shop
    archive = back_up(tmp_path)
    # when a `duken restore` process restores it into an empty installation
    result = empty_installation.duken("restore", str(archive))
    # then every table holds as many rows as the shop's, every order is the same order
    assert result.returncode == 0, result.stderr
    assert "Row counts match the archive" in result.stdout
    assert "already at this version's migrations" in result.stdout
    with opened(empty_installation) as alias:
        assert row_counts(alias) == row_counts("default")
        for number in shop.order_numbers:
            restored = Order.objects.using(alias).get(number=number)
            assert order_as_kept(restored) == order_as_kept(Order.objects.get(number=number))
    # and the files and the secrets are the same bytes
    media, private = Path(settings.MEDIA_ROOT), Path(settings.DUKEN_PRIVATE_ROOT)
    restored_image = empty_installation.file("media", shop.image)
    assert restored_image.read_bytes() == (media / shop.image).read_bytes() == png_bytes()
    restored_file = empty_installation.file("private", shop.digital_file)
    assert restored_file.read_bytes() == (private / shop.digital_file).read_bytes()
    assert empty_installation.file("secrets", "secret-key").read_text() == shop.secret_key
    assert leftovers(empty_installation) == []


def test_the_archive_is_private_and_its_manifest_describes_the_database(shop, tmp_path):
    # when the shop is backed up
    archive = back_up(tmp_path)
    # then only its owner may read the archive (it holds the secrets), it is named by its time,
    # and its manifest lists each member's checksum and the rows of every table
    assert archive.stat().st_mode & 0o777 == 0o600
    assert archive.name.startswith("duken-backup-") and archive.name.endswith(".tar.gz")
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        for name, entry in manifest["members"].items():
            data = tar.extractfile(name).read()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"])
    assert manifest["database"]["engine"] == connections["default"].vendor
    assert manifest["tables"]["orders_order"] == 4
    assert manifest["tables"]["customers_user"] == 3
    assert "0003_orderline_backorder_filled" in manifest["migrations"]["orders"]
    assert f"media/{shop.image}" in manifest["members"]
    assert "secrets/secret-key" in manifest["members"]


def test_a_backup_without_secrets_leaves_them_out(shop, tmp_path):
    # when the shop is backed up without its secrets
    archive = back_up(tmp_path, "--exclude-secrets")
    # then no secret is in the archive
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert not [name for name in names if name.startswith("secrets/")]
    assert manifest["includes_secrets"] is False


def test_an_archive_of_an_older_version_is_migrated_when_restored(
    shop, empty_installation, tmp_path
):
    # given a backup made before the newest migration of orders existed
    call_command("migrate", "orders", "0002", verbosity=0)
    try:
        archive = back_up(tmp_path)
    finally:
        call_command("migrate", "orders", verbosity=0)
    # when it is restored
    result = empty_installation.duken("restore", str(archive))
    # then restore migrates it to this version: every orders migration after 0002
    from django.db.migrations.loader import MigrationLoader

    newer = [
        name
        for app, name in MigrationLoader(None).disk_migrations
        if app == "orders" and name[:4] > "0002"
    ]
    assert result.returncode == 0, result.stderr
    assert f"Applied {len(newer)} migrations" in result.stdout
    assert "orders.0003_orderline_backorder_filled" in result.stdout
    with opened(empty_installation) as alias:
        assert Order.objects.using(alias).count() == 4
        assert not Order.objects.using(alias).filter(lines__backorder_filled=True).exists()


# --- refusals ---------------------------------------------------------------------------------


@pytest.fixture
def restored_shop(shop, empty_installation, tmp_path) -> tuple[Installation, Path]:
    """An installation holding the shop restored from its archive."""
    archive = back_up(tmp_path)
    result = empty_installation.duken("restore", str(archive))
    assert result.returncode == 0, result.stderr
    return empty_installation, archive


def test_restoring_over_a_database_that_holds_data_needs_yes(restored_shop, shop):
    installation, archive = restored_shop
    # given the restored shop has changed since: an order's total, a new upload
    with opened(installation) as alias:
        Order.objects.using(alias).filter(number=shop.order_numbers[0]).update(total=1)
    installation.file("media", "products/new.png").write_bytes(png_bytes())
    before = state_of(installation)
    # when the archive is restored again without --yes
    refused = installation.duken("restore", str(archive))
    # then it is refused with what to do, and nothing changed
    assert refused.returncode != 0
    assert "already holds data" in refused.stderr and "--yes" in refused.stderr
    assert state_of(installation) == before
    assert leftovers(installation) == []
    # when it is restored with --yes
    replaced = installation.duken("restore", str(archive), "--yes")
    # then the shop is the archive's again
    assert replaced.returncode == 0, replaced.stderr
    with opened(installation) as alias:
        order = Order.objects.using(alias).get(number=shop.order_numbers[0])
        assert order.total == Order.objects.get(number=shop.order_numbers[0]).total
    assert not installation.file("media", "products/new.png").exists()
    assert installation.file("media", shop.image).read_bytes() == png_bytes()


def flip_one_byte(archive: Path, tmp_path: Path, *, at: int | None = None) -> Path:
    """A copy of the archive with the byte ``at`` (by default the middle one) changed."""
    data = bytearray(archive.read_bytes())
    data[len(data) // 2 if at is None else at] ^= 0x01
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(bytes(data))
    return damaged


def rewrite(archive: Path, tmp_path: Path, change, *, checksums: bool = True) -> Path:
    """The archive with its members changed by ``change(members, manifest)``, compressed anew
    (so gzip finds nothing wrong) and, with ``checksums``, the manifest's checksums matching."""
    members, links = {}, []
    with tarfile.open(archive) as tar:
        for info in tar.getmembers():
            members[info.name] = tar.extractfile(info).read()
    manifest = json.loads(members.pop("manifest.json"))
    change(members, manifest, links)
    if checksums:
        manifest["members"] = {
            name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in members.items()
        }
    made = tmp_path / "rewritten.tar.gz"
    with tarfile.open(made, "w:gz") as tar:
        for name, data in [*members.items(), ("manifest.json", json.dumps(manifest).encode())]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in links:
            tar.addfile(info)
    return made


def change_a_byte_of_the_database(members, manifest, links):
    name = manifest["database"]["member"]
    data = bytearray(members[name])
    data[len(data) // 2] ^= 0x01
    members[name] = bytes(data)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda archive, tmp: flip_one_byte(archive, tmp), "is damaged"),
        (
            lambda archive, tmp: rewrite(
                archive, tmp, change_a_byte_of_the_database, checksums=False
            ),
            "does not match its checksum",
        ),
        # gzip's trailer ends with the CRC-32 (4 bytes) and the length (4 bytes) of the content
        (lambda archive, tmp: flip_one_byte(archive, tmp, at=-6), "CRC check failed"),
    ],
    ids=["a byte of the file", "a byte of the database inside", "a byte of the gzip CRC"],
)
def test_a_damaged_archive_is_refused_and_changes_nothing(shop, tmp_path, damage, message):
    # given a copy of the shop's archive with one byte changed
    damaged = damage(back_up(tmp_path), tmp_path)
    before = shop_state()
    # when it is restored over the shop, with --yes
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(damaged), "--yes", stdout=io.StringIO())
    # then it is refused before anything was touched
    assert message in str(refused.value) and "nothing was changed" in str(refused.value)
    assert shop_state() == before
    assert shop_leftovers() == []


def other_engine(members, manifest, links):
    engine = manifest["database"]["engine"]
    manifest["database"]["engine"] = "postgresql" if engine == "sqlite" else "sqlite"


def newer_version(members, manifest, links):
    manifest["migrations"]["orders"].append("0099_from_the_future")


def escaping_path(members, manifest, links):
    members["media/../../escaped.txt"] = b"written outside the media folder"


def a_manifest_of_another_shape(members, manifest, links):
    manifest["tables"] = "all of them"


def a_link(members, manifest, links):
    link = tarfile.TarInfo("private/digital/link.pdf")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    links.append(link)


@pytest.mark.parametrize(
    "change, message",
    [
        (other_engine, "restores an archive into the same kind of database only"),
        (newer_version, "comes from a newer Duken"),
        (escaping_path, "outside Duken's folders"),
        (a_link, "link or special file"),
        (a_manifest_of_another_shape, "manifest is not Duken's"),
    ],
    ids=[
        "another engine",
        "a newer version",
        "a path out of its folder",
        "a symbolic link",
        "a manifest of another shape",
    ],
)
def test_a_foreign_or_hostile_archive_is_refused_and_changes_nothing(
    shop, tmp_path, change, message
):
    # given an archive changed the way someone else's would be, its checksums matching
    archive = rewrite(back_up(tmp_path), tmp_path, change)
    before = shop_state()
    # when it is restored over the shop, with --yes
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(archive), "--yes", stdout=io.StringIO())
    # then it is refused, nothing was written anywhere, and the shop is as it was
    assert not list(tmp_path.rglob("escaped.txt"))
    assert shop_state() == before
    assert shop_leftovers() == []


def test_a_backup_is_never_written_where_the_shop_serves_files(db, settings):
    # when the archive would go into the public media folder
    target = Path(settings.MEDIA_ROOT) / "backup.tar.gz"
    with pytest.raises(CommandError, match="serves to anyone"):
        call_command("backup", "--output", str(target), stdout=io.StringIO())
    # then nothing was written there
    assert not target.exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob(".duken-*"))


# --- SQLite: online, and never under a running shop --------------------------------------------


def sqlite_file(path: Path, *, rows: int) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE payload (id INTEGER PRIMARY KEY, data BLOB)")
    db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, at REAL)")
    db.executemany(
        "INSERT INTO payload (data) VALUES (?)", ((os.urandom(4096),) for _ in range(rows))
    )
    db.commit()
    db.close()


def wrapper(path: Path):
    from duken.core.sqlite.base import DatabaseWrapper

    params = connections.configure_settings(
        {
            "default": connections.settings["default"],
            "file": {"ENGINE": "duken.core.sqlite", "NAME": str(path)},
        }
    )["file"]
    return DatabaseWrapper(params, "file")


def test_the_sqlite_backup_is_online_writers_keep_writing_meanwhile(db, tmp_path):
    # given a 40 MB SQLite database in WAL mode and a writer committing orders without waiting
    # (busy timeout 0: a write that had to wait for the backup would fail at once)
    path = tmp_path / "shop.sqlite3"
    sqlite_file(path, rows=10_000)
    backing_up, done, failures, during = threading.Event(), threading.Event(), [], []

    def writer():
        db = sqlite3.connect(path, timeout=0, isolation_level=None)
        while not done.is_set():
            try:
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT INTO orders (at) VALUES (?)", (time.monotonic(),))
                db.execute("COMMIT")
                if backing_up.is_set():
                    during.append(1)
            except sqlite3.OperationalError as exc:
                failures.append(str(exc))
        db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    source = wrapper(path)
    try:
        # when the database is backed up
        backing_up.set()
        snapshot = SqliteDatabase(source).dump(tmp_path / "copy.sqlite3")
        backing_up.clear()
    finally:
        done.set()
        thread.join()
        source.close()
    # then no write waited or failed, writes were committed while the backup ran, and the copy
    # is one consistent moment of the database
    assert failures == []
    assert during, "no write was committed during the backup"
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("SELECT COUNT(*) FROM payload").fetchone() == (10_000,)
    assert copy.execute("SELECT COUNT(*) FROM orders").fetchone() == (snapshot.tables["orders"],)
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_an_sqlite_database_a_process_has_open_is_not_replaced(tmp_path):
    # given a database a running server holds open
    path = tmp_path / "shop.sqlite3"
    sqlite_file(path, rows=1)
    server = sqlite3.connect(path)
    server.execute("SELECT COUNT(*) FROM payload").fetchone()
    # when a restore would replace it, then it is refused
    with pytest.raises(backup.BackupError, match="open in another process"):
        refuse_when_open(path)
    # and once the server has stopped it is not
    server.close()
    refuse_when_open(path)


# --- the daily backup ------------------------------------------------------------------------


def test_the_daily_backup_runs_only_with_a_folder_and_keeps_the_newest(
    transactional_db, settings, tmp_path
):
    # given no backup folder, then a worker schedules no backup
    settings.DUKEN_BACKUP_DIR = ""
    scheduler.sync_schedules()
    assert not Schedule.objects.get(name="core.backup").enabled
    # given a backup folder holding three older archives, keeping three
    folder = tmp_path / "daily"
    settings.DUKEN_BACKUP_DIR, settings.DUKEN_BACKUP_KEEP = str(folder), 3
    settings.VAR_DIR = tmp_path / "var"
    folder.mkdir()
    for day in ("20200101", "20200102", "20200103"):
        (folder / f"duken-backup-{day}-030000.tar.gz").write_bytes(b"an old archive")
    (folder / "notes.txt").write_text("not an archive")
    # then a worker schedules one a day
    scheduler.sync_schedules()
    daily = Schedule.objects.get(name="core.backup")
    assert (daily.enabled, daily.interval_seconds) == (True, 24 * 3600)
    # when the scheduled backup runs
    made = Path(tasks.back_up.call())
    # then the new archive is there with the two newest older ones, and nothing else went
    assert sorted(p.name for p in folder.iterdir()) == [
        "duken-backup-20200102-030000.tar.gz",
        "duken-backup-20200103-030000.tar.gz",
        made.name,
        "notes.txt",
    ]
    assert made.parent == folder and tarfile.is_tarfile(made)


# --- PostgreSQL: the client programs ---------------------------------------------------------


def program(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)


@pytest.mark.postgres
def test_pg_dump_and_pg_restore_get_the_password_from_the_environment_not_the_command_line(
    shop, empty_installation, tmp_path
):
    # given pg_dump and pg_restore that note their command line (what `ps` shows) and
    # PGPASSWORD before running the real ones, and database URLs with a password
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    for name in ("pg_dump", "pg_restore"):
        real = shutil.which(name)
        program(
            bin_dir,
            name,
            f'echo "{name} $* | PGPASSWORD=$PGPASSWORD" >> {log}\nexec {real} "$@"\n',
        )
    password = "Secret-Password-9f3b"
    source_name = connections["default"].settings_dict["NAME"]
    target_name = empty_installation.database["NAME"]
    source = Installation(tmp_path / "shop-var", postgres_url(source_name, password), {})
    target = Installation(
        empty_installation.var_dir, postgres_url(target_name, password), empty_installation.database
    )
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    # when a backup and a restore run
    made = source.duken("backup", "--output", f"{tmp_path}/", path=path)
    assert made.returncode == 0, made.stderr
    archive = next(tmp_path.glob("duken-backup-*.tar.gz"))
    restored = target.duken("restore", str(archive), path=path)
    assert restored.returncode == 0, restored.stderr
    # then each program got the password from its environment and never on its command line
    calls = [call for call in log.read_text().splitlines() if "--version" not in call]
    assert [call.split()[0] for call in calls] == ["pg_dump", "pg_restore"]
    for call in calls:
        command_line, environment = call.split(" | ")
        assert password not in command_line
        assert source_name not in command_line and target_name not in command_line
        assert environment == f"PGPASSWORD={password}"


@pytest.mark.postgres
def test_a_missing_pg_dump_is_named_with_how_to_install_it(db, tmp_path, monkeypatch):
    # given no pg_dump on the PATH
    monkeypatch.setenv("PATH", str(tmp_path))
    # when a backup is asked for, then it says what is missing and how to get it
    with pytest.raises(CommandError, match="pg_dump was not found on the PATH.*postgresql-client"):
        call_command("backup", "--output", f"{tmp_path}/", stdout=io.StringIO())
    assert not list(tmp_path.glob("duken-backup-*"))


@pytest.mark.postgres
def test_a_pg_dump_older_than_the_server_is_refused(db, tmp_path, monkeypatch):
    # given a pg_dump of PostgreSQL 9.6 first on the PATH
    program(tmp_path, "pg_dump", 'echo "pg_dump (PostgreSQL) 9.6.24"\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    server = connections["default"].pg_version // 10000
    # when a backup is asked for, then it is refused with the version it needs
    with pytest.raises(CommandError, match=f"pg_dump 9.6 .* older than the PostgreSQL {server}"):
        call_command("backup", "--output", f"{tmp_path}/", stdout=io.StringIO())
    assert not list(tmp_path.glob("duken-backup-*"))
