"""The database's own guard of the audit log: triggers that refuse to delete an entry or to
change one, except the sealing of an unsealed entry (its number and hashes, nothing else). They
are made by the migration that makes the tables, on SQLite and on PostgreSQL, so no code path,
page or shell session of the application can rewrite history; only someone who can drop the
triggers can, and ``duken audit verify`` then finds what was changed.

PostgreSQL's ``TRUNCATE`` fires no row trigger: emptying the whole database (a test's flush,
``pg_restore --clean``) still works, while deleting single entries does not.

On SQLite, a migration that rebuilds one of these tables (Django does that for many changes
of a column) drops its triggers with the old table: such a migration must call ``install``
again. ``installed`` tells whether they are all there (a test checks it after migrating).
"""

ENTRY_TABLE = "core_auditentry"
HEAD_TABLE = "core_auditchainhead"

# Everything an entry says; sealing may fill seq, prev_hash and hash, and nothing else.
# The migration that made the tables (core 0003) calls ``install`` with these: a column added
# later goes into a new migration that installs the triggers again, never into this list alone
# before its column exists.
CONTENT_COLUMNS = (
    "id",
    "created_at",
    "actor_id",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "summary",
    "changes",
    "ip",
    "user_agent",
)

REFUSE_DELETE = "the audit log is append-only: its entries cannot be deleted"
REFUSE_UPDATE = "the audit log is append-only: an entry cannot be changed once written"
REFUSE_HEAD = "the head of the audit chain only moves forward and cannot be deleted"

SQLITE_TRIGGERS = {
    "core_auditentry_no_update": f"""
        CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON {ENTRY_TABLE}
        WHEN OLD.seq IS NOT NULL OR NEW.seq IS NULL OR NEW.hash = '' OR {
        " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in CONTENT_COLUMNS)
    }
        BEGIN SELECT RAISE(ABORT, '{REFUSE_UPDATE}'); END
    """,
    "core_auditentry_no_delete": f"""
        CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON {ENTRY_TABLE}
        BEGIN SELECT RAISE(ABORT, '{REFUSE_DELETE}'); END
    """,
    "core_auditchainhead_forward_only": f"""
        CREATE TRIGGER core_auditchainhead_forward_only BEFORE UPDATE ON {HEAD_TABLE}
        WHEN NEW.id IS NOT OLD.id OR NEW.seq < OLD.seq
          OR (NEW.seq = OLD.seq AND NEW.hash IS NOT OLD.hash)
        BEGIN SELECT RAISE(ABORT, '{REFUSE_HEAD}'); END
    """,
    "core_auditchainhead_no_delete": f"""
        CREATE TRIGGER core_auditchainhead_no_delete BEFORE DELETE ON {HEAD_TABLE}
        BEGIN SELECT RAISE(ABORT, '{REFUSE_HEAD}'); END
    """,
}

_new = ", ".join(f"NEW.{c}" for c in CONTENT_COLUMNS)
_old = ", ".join(f"OLD.{c}" for c in CONTENT_COLUMNS)

POSTGRES_FUNCTIONS = {
    "core_auditentry_append_only": f"""
        CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION '{REFUSE_DELETE}' USING ERRCODE = 'restrict_violation';
            END IF;
            IF OLD.seq IS NOT NULL OR NEW.seq IS NULL OR NEW.hash = ''
               OR ROW({_new}) IS DISTINCT FROM ROW({_old}) THEN
                RAISE EXCEPTION '{REFUSE_UPDATE}' USING ERRCODE = 'restrict_violation';
            END IF;
            RETURN NEW;
        END $$
    """,
    "core_auditchainhead_forward_only": f"""
        CREATE OR REPLACE FUNCTION core_auditchainhead_forward_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id OR NEW.seq < OLD.seq
               OR (NEW.seq = OLD.seq AND NEW.hash IS DISTINCT FROM OLD.hash) THEN
                RAISE EXCEPTION '{REFUSE_HEAD}' USING ERRCODE = 'restrict_violation';
            END IF;
            RETURN NEW;
        END $$
    """,
}

POSTGRES_TRIGGERS = {
    "core_auditentry_append_only": f"""
        CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON {ENTRY_TABLE}
        FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only()
    """,
    "core_auditchainhead_forward_only": f"""
        CREATE TRIGGER core_auditchainhead_forward_only BEFORE UPDATE OR DELETE ON {HEAD_TABLE}
        FOR EACH ROW EXECUTE FUNCTION core_auditchainhead_forward_only()
    """,
}


def _table_of(name: str) -> str:
    return HEAD_TABLE if name.startswith("core_auditchainhead") else ENTRY_TABLE


def install(connection) -> None:
    """Make the triggers (again); any already there are replaced."""
    drop(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in SQLITE_TRIGGERS.values():
                cursor.execute(sql)
        elif connection.vendor == "postgresql":
            for sql in POSTGRES_FUNCTIONS.values():
                cursor.execute(sql)
            for sql in POSTGRES_TRIGGERS.values():
                cursor.execute(sql)


def drop(connection) -> None:
    """Remove the triggers (reversing the migration; tests of the flush and of tampering)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif connection.vendor == "postgresql":
            for name in POSTGRES_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {_table_of(name)}")
            for name in POSTGRES_FUNCTIONS:
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


def installed(connection) -> bool:
    """Whether every trigger of the audit log exists in this database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            return set(SQLITE_TRIGGERS) <= {name for (name,) in cursor.fetchall()}
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
                "(%s::regclass, %s::regclass)",
                [ENTRY_TABLE, HEAD_TABLE],
            )
            return set(POSTGRES_TRIGGERS) <= {name for (name,) in cursor.fetchall()}
    return False
