"""Backing up and restoring the embedded SQLite database.

The backup goes through SQLite's online backup API (``Connection.backup``) in one step: the copy
is read in a single read transaction, so it is one consistent moment of the shop, and in WAL
mode (Duken's) readers never block writers, so the shop keeps taking orders meanwhile. (A
backup in several steps would start over whenever another connection wrote in between, and
might never finish on a busy shop.)

Restoring replaces the database file at once (``os.replace``) and is refused while another
process still has the database open: stop ``duken serve`` and ``duken worker`` first.
"""

import os
import sqlite3
from pathlib import Path

from django.conf import settings

from .archive import BackupError
from .snapshot import Snapshot, count_rows, shop_rows

MEMBER = "database/duken.sqlite3"


def _table_names(db: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\' ORDER BY name"
        )
    ]


def _snapshot(db: sqlite3.Connection) -> Snapshot:
    tables = _table_names(db)
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        for app, name in db.execute("SELECT app, name FROM django_migrations ORDER BY app, name"):
            migrations.setdefault(app, []).append(name)
    cursor = db.cursor()
    return Snapshot(
        tables=count_rows(cursor, tables, quote=_quote),
        migrations=migrations,
        details={"sqlite_version": sqlite3.sqlite_version},
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteDatabase:
    engine = "sqlite"
    member = MEMBER

    def __init__(self, connection):
        self.connection = connection

    @property
    def path(self) -> Path:
        if self.connection.is_in_memory_db():
            raise BackupError("The database is in memory; there is no file to restore into.")
        return Path(self.connection.settings_dict["NAME"])

    def dump(self, target: Path) -> Snapshot:
        """Copy the live database into the file ``target`` and describe the copy."""
        self.connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            # pages=-1: the whole database in one step, one read transaction (see above).
            self.connection.connection.backup(copy, pages=-1)
            # The copy stands alone: no WAL file belongs with it.
            copy.execute("PRAGMA journal_mode=DELETE")
            return _snapshot(copy)
        finally:
            copy.close()

    def staging_folder(self) -> Path:
        """Where a database file is staged: beside the database, so it moves into place with
        one rename (for an in-memory database, which ``check_restore`` refuses, the var
        folder)."""
        if self.connection.is_in_memory_db():
            return Path(settings.VAR_DIR)
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def check_restore(self, manifest: dict) -> None:
        self.path  # noqa: B018 - refuses an in-memory database

    def shop_rows(self) -> dict[str, int]:
        path = self.path
        if not path.exists() or path.stat().st_size == 0:
            return {}  # not even a file: nothing to open (opening would create one)
        return shop_rows(self.connection)

    def restore(self, staged: Path, manifest: dict) -> None:
        """Put the staged database file in place of the live one."""
        path = self.path
        self.connection.close()
        refuse_when_open(path)
        for suffix in ("-wal", "-shm", "-journal"):
            # Left by a process that crashed: they belong to the old database, never the new.
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(staged, path)
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def counts(self, tables) -> dict[str, int]:
        db = sqlite3.connect(self.path)
        try:
            present = set(_table_names(db))
            return count_rows(db.cursor(), [t for t in tables if t in present], quote=_quote)
        finally:
            db.close()


def refuse_when_open(path: Path) -> None:
    """Refuse while another process has the database open. Leaving WAL mode needs every other
    connection closed, so it fails at once when a server or worker still holds the file; it
    also folds the WAL file into the database, so nothing of the old one is left beside it."""
    if not path.exists():
        return
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        mode = probe.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            return  # not a database (damaged?): it is replaced all the same
        mode = None
    finally:
        probe.close()
    if mode != "delete":
        raise BackupError(
            f"The database {path} is open in another process: stop `duken serve` and "
            "`duken worker` (and anything else using it), then restore. Nothing was changed."
        )
