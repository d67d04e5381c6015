"""The audit log's triggers in tests.

A transactional test (pytest-django's ``transactional_db``, Django's ``TransactionTestCase``)
empties every table when it ends. On PostgreSQL Django does that with ``TRUNCATE``, which the
triggers let through (they guard single rows). On SQLite it is ``DELETE FROM`` each table, which
the audit log's triggers refuse; ``lift_triggers_around_flush`` makes the flush take them away
and put them back at once, so the next test has them again. Nothing of this is in the shop's
own code: the shop never empties the log.
"""

from contextlib import contextmanager

from django.db import connections

from duken.core.audit import triggers


@contextmanager
def triggers_lifted(connection):
    """Run the block without the audit log's triggers (a test that tampers with the log);
    they are back afterwards."""
    triggers.drop(connection)
    try:
        yield
    finally:
        triggers.install(connection)


def lift_triggers_around_flush() -> None:
    """Make every test's flush on SQLite go around the audit log's triggers (once per run)."""
    from django.test.testcases import TransactionTestCase

    original = TransactionTestCase._fixture_teardown
    if getattr(original, "lifts_audit_triggers", False):
        return

    def _fixture_teardown(self):
        lifted = [
            connections[alias]
            for alias in self._databases_names(include_mirrors=False)
            if connections[alias].vendor == "sqlite"
        ]
        for connection in lifted:
            triggers.drop(connection)
        try:
            return original(self)
        finally:
            for connection in lifted:
                triggers.install(connection)

    _fixture_teardown.lifts_audit_triggers = True
    TransactionTestCase._fixture_teardown = _fixture_teardown
