"""Background training: the full retrain (run by the worker's scheduler every
``DUKEN_RECS_RETRAIN_HOURS``, and queued after an order once the last one is older), and the
incremental updates after an order is placed and after a product is added. Each is idempotent
(it recomputes from the stored history)."""

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def train_recommendations(ranker: bool | None = None) -> dict:
    """Retrain every list from the order history and the interaction log (customers' lists
    by Duken's ranker unless ``ranker`` is False or the ``RECOMMENDATIONS_RANKER`` setting off)."""
    from django.core.cache import cache

    from .training import RETRAIN_QUEUED_KEY, train

    # Orders placed while this retrain runs queue no second one (see queue_retrain_if_due).
    cache.set(RETRAIN_QUEUED_KEY, True, 3600)
    run = train(ranker=ranker)
    logger.info("full retrain took %.1f s", run.seconds)
    return {"seconds": run.seconds, "products": run.products, "customers": run.customers}


@task()
def update_after_order(order_id: int) -> int:
    """Count a newly placed order in the co-purchase lists and its customer's list; queue the
    full retrain when it is due (``DUKEN_RECS_RETRAIN_HOURS``)."""
    from .incremental import after_order
    from .training import queue_retrain_if_due

    run = after_order(order_id)
    queue_retrain_if_due()
    return run.products if run else 0


@task()
def add_new_product(product_id: int) -> int:
    """Give a new product its similar-products list and place it in its neighbours' lists."""
    from .incremental import add_product

    run = add_product(product_id)
    return run.products if run else 0


@task()
def refresh_customer(user_id: int) -> int:
    """Re-rank one customer's list (after they asked the shop to forget something)."""
    from django.contrib.auth import get_user_model

    from .incremental import update_customer

    user = get_user_model().objects.filter(pk=user_id).first()
    return len(update_customer(user)) if user is not None else 0
