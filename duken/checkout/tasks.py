from django_tasks import task

from . import services


@task()
def purge_stale_carts_task() -> dict:
    """Delete carts nobody can reach or needs any more (the scheduler runs it daily)."""
    return services.purge_stale_carts()
