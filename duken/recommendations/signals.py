"""Keep the stored lists current between full retrains: a placed order (``order_placed``)
and a new product each enqueue an incremental update once their transaction commits;
a forgotten item re-ranks its customer's list so it stops driving recommendations, and a
withdrawn wish, which may let it drive them again."""

import logging
from functools import partial

from django.db import transaction
from django.db.models.signals import post_save

from duken.catalog.models import Product
from duken.orders.signals import order_placed as order_placed_signal
from duken.privacy import memory

from .models import ProductNeighbours

logger = logging.getLogger(__name__)


def _enqueue(task_name: str, *args) -> None:
    from . import tasks

    try:
        getattr(tasks, task_name).enqueue(*args)
    except Exception:
        # A missed incremental update is caught up by the next full retrain.
        logger.exception("recommendation update could not be enqueued", extra={"task": task_name})


def order_placed(sender, order, **kwargs):
    transaction.on_commit(partial(_enqueue, "update_after_order", order.pk))


def product_added(sender, instance, created, raw=False, **kwargs):
    # Before the first training every product page falls back to its category anyway.
    if created and not raw and ProductNeighbours.objects.exists():
        transaction.on_commit(partial(_enqueue, "add_new_product", instance.pk))


def item_forgotten(sender, user, key, **kwargs):
    transaction.on_commit(partial(_enqueue, "refresh_customer", user.pk))


def connect() -> None:
    order_placed_signal.connect(order_placed, dispatch_uid="recs-order-placed")
    post_save.connect(product_added, sender=Product, dispatch_uid="recs-product-added")
    memory.item_forgotten.connect(item_forgotten, dispatch_uid="recs-forgotten")
    memory.wish_withdrawn.connect(item_forgotten, dispatch_uid="recs-wish-withdrawn")
