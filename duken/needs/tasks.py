from django_tasks import task

from . import services


@task()
def notify_back_in_stock_task(product_id: int) -> int:
    """Tell everyone waiting for the product that it is back. Safe to run twice."""
    return services.notify_back_in_stock(product_id)


@task()
def notify_all_waiting_task() -> int:
    """Answer back-in-stock requests whose product came back around the shop's code (a bulk
    update); the scheduler runs it every hour. Safe to run twice: nobody is told twice."""
    return services.notify_all_waiting()
