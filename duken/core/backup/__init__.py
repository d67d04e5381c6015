"""Backups of a whole installation, and restoring one: ``duken backup``, ``duken restore`` and
the optional daily backup (``DUKEN_BACKUP_DIR``).

An archive (``duken-backup-<date>-<time>.tar.gz``, see ``archive.py``) holds the database (an
SQLite copy made online, or a ``pg_dump`` custom-format dump), the media folder (product
images), the private files (digital products), the installation's secrets (``var/secrets``,
unless left out) and a manifest: Duken's version, the database engine, the time, the rows of
every table and the applied migrations as the dump saw them, and the sha256 of every member.

A restore stages the whole archive first and checks every checksum, the engine and the
migrations before it touches the shop; it refuses to replace a database holding data unless
told to, then replaces the database, the files and the secrets, empties the shared cache, and
runs ``migrate`` so an archive of an older Duken becomes current.
"""

import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

import duken

from .archive import FORMAT, BackupError, Writer, extract_verified
from .postgres import PostgresDatabase
from .sqlite import SqliteDatabase

__all__ = ["BackupError", "create", "restore", "prune", "Backup", "Restored"]

PREFIX = "duken-backup-"
SUFFIX = ".tar.gz"
# Folders Duken makes inside the archived ones while restoring; never part of a backup.
WORK_PREFIX = ".duken-"
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def engine_name(engine: str) -> str:
    return ENGINES.get(engine, engine)


def database(alias: str = DEFAULT_DB_ALIAS):
    connection = connections[alias]
    if connection.vendor == "sqlite":
        return SqliteDatabase(connection)
    if connection.vendor == "postgresql":
        return PostgresDatabase(connection)
    raise BackupError(f"Duken cannot back up a {connection.vendor} database.")


def folders() -> dict[str, Path]:
    """The folders an archive holds besides the database, by their name in it."""
    return {
        "media": Path(settings.MEDIA_ROOT),
        "private": Path(settings.DUKEN_PRIVATE_ROOT),
        "secrets": Path(settings.VAR_DIR) / "secrets",
    }


@dataclass
class Backup:
    path: Path
    size: int
    seconds: float
    manifest: dict

    def files(self, part: str) -> int:
        return sum(1 for name in self.manifest["members"] if name.startswith(part + "/"))


def default_folder() -> Path:
    return Path(settings.DUKEN_BACKUP_DIR or Path(settings.VAR_DIR) / "backups")


def archive_path(output=None, *, when=None) -> Path:
    """Where a backup made at ``when`` goes: ``output`` itself, or a dated name inside the
    folder ``output`` (by default DUKEN_BACKUP_DIR, else var/backups/)."""
    when = timezone.localtime(when)
    name = f"{PREFIX}{when:%Y%m%d-%H%M%S}{SUFFIX}"
    if output is None:
        return default_folder() / name
    if Path(output).is_dir() or str(output).endswith(os.sep):
        return Path(output) / name
    return Path(output)


def _refuse_inside_archived(target: Path) -> None:
    parent = target.parent.resolve()
    for part, root in folders().items():
        root = root.resolve()
        if parent == root or root in parent.parents:
            public = ", which the shop serves to anyone" if part == "media" else ""
            raise BackupError(
                f"{target} is inside the {part} folder ({root}){public}; an archive holding "
                "the database and the secrets belongs elsewhere. Choose another --output."
            )


def create(output=None, *, include_secrets: bool = True) -> Backup:
    """Back up the database, the media, the private files and (unless ``include_secrets`` is
    False) the secrets into one archive; returns where it is."""
    started = time.monotonic()
    now = timezone.now()
    db = database()
    target = archive_path(output, when=now)
    _refuse_inside_archived(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise BackupError(f"{target} already exists; choose another --output.")
    # Everything is written beside the target first: a backup that fails leaves nothing behind.
    scratch = Path(tempfile.mkdtemp(prefix=WORK_PREFIX + "backup-", dir=target.parent))
    try:
        dump = scratch / Path(db.member).name
        snapshot = db.dump(dump)
        partial = scratch / target.name
        writer = Writer(partial)
        try:
            writer.add_file(db.member, dump)
            dump.unlink()  # its space is needed no more once it is in the archive
            for part, root in folders().items():
                if part != "secrets" or include_secrets:
                    writer.add_tree(part, root, skip_prefix=WORK_PREFIX)
        except BaseException:
            writer.abort()
            raise
        writer.close(_manifest(now, db, snapshot, include_secrets=include_secrets))
        _publish(partial, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Backup(target, target.stat().st_size, time.monotonic() - started, writer.manifest)


def _manifest(now, db, snapshot, *, include_secrets: bool) -> dict:
    return {
        "format": FORMAT,
        "duken_version": duken.__version__,
        "created_at": now.isoformat(),
        "created_at_epoch": int(now.timestamp()),
        "database": {"engine": db.engine, "member": db.member, **snapshot.details},
        "tables": snapshot.tables,
        "migrations": snapshot.migrations,
        "includes_secrets": include_secrets,
    }


def _publish(partial: Path, target: Path) -> None:
    """Give the finished archive its name, never over an archive that appeared meanwhile."""
    try:
        os.link(partial, target)
    except FileExistsError:
        raise BackupError(f"{target} already exists; choose another --output.") from None
    except OSError:
        # A file system without hard links (some network shares): a rename, checked first.
        if target.exists():
            raise BackupError(f"{target} already exists; choose another --output.") from None
        os.replace(partial, target)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` archives Duken named in ``folder`` (0 keeps all)."""
    if keep <= 0:
        return []
    archives = sorted(Path(folder).glob(f"{PREFIX}*{SUFFIX}"))
    doomed = archives[:-keep]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


@dataclass
class Restored:
    manifest: dict
    counts: dict[str, int]  # rows per table right after the database was restored
    migrations_applied: list[str] = field(default_factory=list)

    def mismatches(self) -> dict[str, tuple[int, int | None]]:
        return {
            table: (archived, self.counts.get(table))
            for table, archived in self.manifest["tables"].items()
            if self.counts.get(table) != archived
        }

    def files(self, part: str) -> int:
        return sum(1 for name in self.manifest["members"] if name.startswith(part + "/"))


class _Staging:
    """A folder per part of the archive, inside the folder it will replace (inside the
    database's folder for the database), so each moves into place by renames on one disk."""

    def __init__(self, db):
        self.token = secrets.token_hex(6)
        self.targets = folders()
        self.made_targets: list[Path] = []
        self.work: list[Path] = []
        self.old: list[Path] = []
        self.folders = {"database": self._make(db.staging_folder())}
        for part, target in self.targets.items():
            self.folders[part] = self._make(target)

    def _make(self, parent: Path) -> Path:
        if not parent.exists():
            parent.mkdir(parents=True)
            self.made_targets.append(parent)
        path = parent / f"{WORK_PREFIX}restore-{self.token}"
        path.mkdir(mode=0o700)
        self.work.append(path)
        return path

    def swap(self, part: str) -> None:
        """Replace what the folder of ``part`` holds with what was staged for it. The previous
        content is moved aside first and deleted only once every part is in place."""
        target, staged = self.targets[part], self.folders[part]
        old = target / f"{WORK_PREFIX}old-{self.token}"
        old.mkdir(mode=0o700)
        self.old.append(old)
        try:
            for child in list(target.iterdir()):
                if child not in (staged, old):
                    os.rename(child, old / child.name)
            for child in list(staged.iterdir()):
                os.rename(child, target / child.name)
        except OSError as exc:
            raise BackupError(
                f"The database was restored, but the {part} folder {target} could not be put "
                f"in place ({exc}); what it held before is kept in {old}."
            ) from exc

    def clean_up(self, *, succeeded: bool) -> None:
        for path in self.work + (self.old if succeeded else []):
            shutil.rmtree(path, ignore_errors=True)
        if not succeeded:
            for path in reversed(self.made_targets):
                try:
                    path.rmdir()  # made for the staging only, and still empty
                except OSError:
                    pass


def restore(archive, *, replace_data: bool = False) -> Restored:
    """Restore the archive at ``archive`` into this installation's database and folders."""
    archive = Path(archive)
    db = database()
    if not replace_data:
        _refuse_replacing_data(db, archive)
    staging = _Staging(db)
    succeeded = False
    try:
        manifest = extract_verified(archive, staging.folders)
        _check_compatible(manifest, db)
        db.check_restore(manifest)
        staged_db = staging.folders["database"] / Path(db.member).name
        db.restore(staged_db, manifest)
        counts = db.counts(manifest["tables"])
        for part in staging.targets:
            if part != "secrets" or manifest.get("includes_secrets"):
                staging.swap(part)
        succeeded = True
    finally:
        staging.clean_up(succeeded=succeeded)
    _forget_cached_pages()
    applied = _migrate()
    return Restored(manifest, counts, applied)


def _check_compatible(manifest: dict, db) -> None:
    engine = manifest["database"]["engine"]
    if engine != db.engine:
        raise BackupError(
            f"The archive holds a {engine_name(engine)} database and this installation uses "
            f"{engine_name(db.engine)} (DATABASE_URL). Duken restores an archive into the same kind of database only: "
            "restore it into an installation of that kind, then move the data with "
            "`duken dumpdata` and `duken loaddata`. Nothing was changed."
        )
    if manifest["database"]["member"] != db.member or db.member not in manifest["members"]:
        raise BackupError("The archive's manifest lists no database; nothing was changed.")
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    labels = {config.label for config in apps.get_app_configs()}
    unknown = [
        f"{app}.{name}"
        for app, names in sorted(manifest["migrations"].items())
        for name in names
        if app in labels and (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            f"The archive comes from a newer Duken ({manifest.get('duken_version')}; migrations "
            f"unknown here: {', '.join(unknown[:5])}): restore it with that version or a later "
            "one. Nothing was changed."
        )


def _refuse_replacing_data(db, archive: Path) -> None:
    rows = db.shop_rows()
    if not rows:
        return
    biggest = sorted(rows.items(), key=lambda item: -item[1])
    listed = ", ".join(f"{count:,} {label}" for label, count in biggest[:5])
    more = ", ..." if len(biggest) > 5 else ""
    raise BackupError(
        f"The database already holds data ({listed}{more}); restoring replaces all of it. "
        f"To replace it, run `duken restore {archive} --yes`. Nothing was changed."
    )


def _forget_cached_pages() -> None:
    """Cached fragments describe the data that was replaced. Only Duken's own keys go (with
    Redis, the task queue shares the server)."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


def _migrate() -> list[str]:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", interactive=False, verbosity=0)
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
