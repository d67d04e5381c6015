"""Django's SQLite backend, with writers that queue instead of polling.

SQLite lets one writer at a time hold the database; the others wait in its busy handler, which
sleeps in growing steps (1, 2, 5, 10, ... 100 ms) and checks again. Under load from several
worker processes that turns a 2 ms write into a 50-150 ms wait for whoever is unlucky.

Here every transaction first takes an exclusive ``flock`` on a lock file beside the database
(every thread and process opens its own descriptor, so they all queue on it), then runs
``BEGIN IMMEDIATE`` as before; the lock is released at commit, rollback or close. A waiting
writer is woken by the kernel the moment the previous one finishes. The lock belongs to the
open file, so a process that dies releases it. Writes made outside a transaction still rely on
SQLite's own busy timeout. In-memory databases (tests) need no lock."""

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_fd = None
    _lock_held = False

    def _lock_path(self):
        if self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}-writer.lock"

    def _acquire_write_lock(self):
        path = self._lock_path()
        if path is None or self._lock_held:
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._lock_held = True

    def _release_write_lock(self):
        if self._lock_held:
            self._lock_held = False
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self):
        self._acquire_write_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
