"""Backing up and restoring a PostgreSQL database with ``pg_dump`` and ``pg_restore``.

The connection parameters reach the client programs through libpq's environment variables
(``PGHOST``, ``PGUSER``, ``PGPASSWORD``, ``PGDATABASE``, ...), never their command line, which
``ps`` shows every user of the machine. The row counts and migrations in the manifest are read
in the very snapshot ``pg_dump`` dumps (``pg_export_snapshot``), so they describe the archive
exactly while the shop keeps writing.

The restore runs ``pg_restore --clean --if-exists --no-owner --no-privileges`` in a single
transaction: it replaces every table of the archive, or, when anything fails, nothing.
"""

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.backends.postgresql.client import DatabaseClient
from psycopg import IsolationLevel

from .archive import BackupError
from .snapshot import Snapshot, count_rows, model_tables, shop_rows

MEMBER = "database/duken.pgdump"


@dataclass(frozen=True)
class Client:
    path: str
    version: str

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


def client(name: str) -> Client:
    """The client program ``name`` on the PATH and its version, or a clear BackupError."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on the PATH. Install PostgreSQL's client programs, of the "
            "server's major version or newer (Debian and Ubuntu: apt-get install "
            "postgresql-client)."
        )
    output = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    match = re.search(r"\(PostgreSQL\)\s+(\d+(?:\.\d+)?)", output.stdout)
    if match is None:
        raise BackupError(f"{path} --version did not say which PostgreSQL it is: {output.stdout}")
    return Client(path, match.group(1))


def libpq_environment(settings_dict: dict) -> dict:
    """The environment that points libpq's programs at the database of ``settings_dict``."""
    _args, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    env = {**os.environ, **(env or {})}
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("NAME", "PGDATABASE"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS") or {}
    if options.get("options"):
        env["PGOPTIONS"] = str(options["options"])
    return env


def _run(args: list[str], env: dict, what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = "\n".join(result.stderr.strip().splitlines()[-15:])
        raise BackupError(f"{what} failed (exit status {result.returncode}):\n{detail}")


class PostgresDatabase:
    engine = "postgresql"
    member = MEMBER

    def __init__(self, connection):
        self.connection = connection

    def server_major(self) -> int:
        self.connection.ensure_connection()
        return self.connection.pg_version // 10000

    def _quote(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def dump(self, target: Path) -> Snapshot:
        pg_dump = client("pg_dump")
        server = self.server_major()
        if pg_dump.major < server:
            raise BackupError(
                f"pg_dump {pg_dump.version} ({pg_dump.path}) is older than the PostgreSQL "
                f"{server} server and cannot dump it. Install the client programs of version "
                f"{server} or newer (Debian and Ubuntu: apt-get install postgresql-client-{server}) "
                "and put them first on the PATH."
            )
        # A connection of its own, so the shop's connection (and whatever transaction or health
        # check it is in) never decides what the snapshot is.
        raw = self.connection.get_new_connection(self.connection.get_connection_params())
        try:
            raw.autocommit = False
            raw.isolation_level = IsolationLevel.REPEATABLE_READ
            raw.read_only = True
            with raw.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot_id = cursor.fetchone()[0]
                tables = self.connection.introspection.table_names(cursor)
                counts = count_rows(cursor, tables, quote=self._quote)
                migrations = self._migrations(cursor, tables)
            # pg_dump reads the snapshot this transaction exported; it stays open until then.
            _run(
                [
                    pg_dump.path,
                    "--format=custom",
                    f"--snapshot={snapshot_id}",
                    "--no-password",
                    f"--file={target}",
                ],
                libpq_environment(self.connection.settings_dict),
                "pg_dump",
            )
        finally:
            raw.close()
        return Snapshot(
            tables=counts,
            migrations=migrations,
            details={"server_version": f"{server}", "pg_dump_version": pg_dump.version},
        )

    @staticmethod
    def _migrations(cursor, tables) -> dict[str, list[str]]:
        migrations: dict[str, list[str]] = {}
        if "django_migrations" in tables:
            cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
            for app, name in cursor.fetchall():
                migrations.setdefault(app, []).append(name)
        return migrations

    def staging_folder(self) -> Path:
        return Path(settings.VAR_DIR)  # on the installation's disk, not a small /tmp

    def check_restore(self, manifest: dict) -> None:
        pg_restore = client("pg_restore")
        made_with = str(manifest["database"].get("pg_dump_version", "0"))
        if pg_restore.major < int(made_with.split(".")[0]):
            raise BackupError(
                f"pg_restore {pg_restore.version} ({pg_restore.path}) cannot read an archive "
                f"made by pg_dump {made_with}: install the client programs of version "
                f"{made_with.split('.')[0]} or newer. Nothing was changed."
            )
        self.server_major()  # the database is reachable before anything else happens

    def shop_rows(self) -> dict[str, int]:
        return shop_rows(self.connection)

    def restore(self, staged: Path, manifest: dict) -> None:
        pg_restore = client("pg_restore")
        # Our own idle connection would only wait on the tables pg_restore drops.
        self.connection.close()
        _run(
            [
                pg_restore.path,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--no-password",
                # empty: libpq takes the database from PGDATABASE
                "--dbname=",
                str(staged),
            ],
            libpq_environment(self.connection.settings_dict),
            "pg_restore",
        )
        self._drop_tables_newer_than(manifest)

    def _drop_tables_newer_than(self, manifest: dict) -> None:
        """Drop Duken's tables the archive does not have (made by migrations newer than the
        archive): the archive's migration records say they do not exist, so `migrate` makes
        them again. Tables that are not Duken's are left alone."""
        ours = set(model_tables(bookkeeping=True))
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            present = set(self.connection.introspection.table_names(cursor))
            for table in sorted((present & ours) - set(manifest["tables"])):
                cursor.execute(f"DROP TABLE IF EXISTS {self._quote(table)} CASCADE")

    def counts(self, tables) -> dict[str, int]:
        with self.connection.cursor() as cursor:
            present = set(self.connection.introspection.table_names(cursor))
            return count_rows(cursor, [t for t in tables if t in present], quote=self._quote)
