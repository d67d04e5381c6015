from importlib import import_module
from pathlib import Path

from django.conf import settings
from django_tasks import task

from duken.core import backup


@task()
def clear_expired_sessions() -> bool:
    """Delete expired sessions, as ``duken clearsessions`` does (the scheduler runs it daily).
    False when the session engine expires its sessions by itself (a pure cache)."""
    engine = import_module(settings.SESSION_ENGINE)
    try:
        engine.SessionStore.clear_expired()
    except NotImplementedError:
        return False
    return True


@task()
def back_up() -> str:
    """The daily backup into DUKEN_BACKUP_DIR, keeping the newest DUKEN_BACKUP_KEEP archives;
    returns the new archive's path ("" when no folder is set). A second run makes a second
    archive, which the keeping removes in time."""
    if not settings.DUKEN_BACKUP_DIR:
        return ""
    made = backup.create(settings.DUKEN_BACKUP_DIR)
    backup.prune(Path(settings.DUKEN_BACKUP_DIR), settings.DUKEN_BACKUP_KEEP)
    return str(made.path)


@task()
def seal_audit_log() -> int:
    """Chain the audit entries written since the last run (every minute); returns how many."""
    from duken.core.audit import chain

    return chain.seal()
