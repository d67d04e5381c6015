from importlib import import_module

from django.conf import settings
from django_tasks import task


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
