from django_tasks import task

from . import services


@task()
def notify_back_in_stock_task(product_id: int) -> int:
    """Tell everyone waiting for the product that it is back. Safe to run twice."""
    return services.notify_back_in_stock(product_id)
