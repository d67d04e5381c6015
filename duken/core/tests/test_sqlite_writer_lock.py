"""The SQLite backend queues writers on a lock file: a transaction holds it from BEGIN to
COMMIT/ROLLBACK, and concurrent writers on a real database file all get through."""

import fcntl
import os
import threading

import pytest
from django.db import connections, transaction

ALIAS = "writelock"


@pytest.fixture
def file_db(tmp_path, django_db_blocker):
    path = tmp_path / "shop.sqlite3"
    configured = connections.configure_settings(
        {
            "default": connections.settings["default"],
            ALIAS: {
                "ENGINE": "duken.core.sqlite",
                "NAME": str(path),
                "OPTIONS": {
                    "transaction_mode": "IMMEDIATE",
                    "timeout": 20,
                    "init_command": "PRAGMA journal_mode=WAL;",
                },
            },
        }
    )
    connections.settings[ALIAS] = configured[ALIAS]
    with django_db_blocker.unblock():
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
            cursor.execute("INSERT INTO counter (id, n) VALUES (1, 0)")
        yield path
        connections[ALIAS].close()
    del connections.settings[ALIAS]
    del connections[ALIAS]


def lock_is_free(path) -> bool:
    fd = os.open(f"{path}-writer.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing the descriptor releases a lock taken through it
    return True


def test_a_transaction_holds_the_lock_until_commit(file_db):
    assert lock_is_free(file_db)
    with transaction.atomic(using=ALIAS):
        connections[ALIAS].cursor().execute("UPDATE counter SET n = n + 1")
        assert not lock_is_free(file_db)
        with transaction.atomic(using=ALIAS):  # a savepoint keeps it
            assert not lock_is_free(file_db)
        assert not lock_is_free(file_db)
    assert lock_is_free(file_db)


def test_rollback_and_errors_release_the_lock(file_db):
    with pytest.raises(ZeroDivisionError):
        with transaction.atomic(using=ALIAS):
            connections[ALIAS].cursor().execute("UPDATE counter SET n = n + 1")
            1 / 0  # noqa: B018
    assert lock_is_free(file_db)
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        assert cursor.fetchone() == (0,)  # rolled back


def test_reads_outside_a_transaction_take_no_lock(file_db):
    with transaction.atomic(using=ALIAS):
        assert not lock_is_free(file_db)
        seen = []

        def reader():
            with connections[ALIAS].cursor() as cursor:
                cursor.execute("SELECT n FROM counter")
                seen.append(cursor.fetchone()[0])
            connections[ALIAS].close()

        thread = threading.Thread(target=reader)
        thread.start()
        thread.join(timeout=10)
        assert seen == [0]  # WAL: a reader is never blocked by the writer


def test_concurrent_writers_all_get_through(file_db, django_db_blocker):
    errors = []
    threads_n, rounds = 8, 25

    def writer():
        try:
            with django_db_blocker.unblock():
                for _ in range(rounds):
                    with transaction.atomic(using=ALIAS):
                        cursor = connections[ALIAS].cursor()
                        cursor.execute("SELECT n FROM counter WHERE id = 1")
                        (n,) = cursor.fetchone()
                        cursor.execute("UPDATE counter SET n = %s WHERE id = 1", [n + 1])
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections[ALIAS].close()

    threads = [threading.Thread(target=writer) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        # read-modify-write inside each transaction: no update is lost
        assert cursor.fetchone() == (threads_n * rounds,)
    assert lock_is_free(file_db)
