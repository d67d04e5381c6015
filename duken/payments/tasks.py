from django_tasks import task

from . import services


@task()
def expire_stale_payments_task() -> int:
    """Time out payments their provider never confirmed. Safe to run any number of times."""
    return services.expire_stale_payments()
