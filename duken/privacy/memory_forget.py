"""Forgetting one of the customer's remembered items, and withdrawing a wish not to be
remembered again (see ``memory``, which offers both as ``memory.forget`` and
``memory.remember_again``)."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from duken.core import versions

from .memory import (
    _FORGOTTEN_ATTR,
    _VERSION_KEY,
    REMEMBER_AGAIN_BY_DEFAULT,
    WISH_PREFIX,
    Again,
    Item,
    _forgetter_for,
    find,
    item_forgotten,
    wish_withdrawn,
)
from .models import ForgottenItem

logger = logging.getLogger(__name__)


def forget(user, key: str, *, remember_again: bool = REMEMBER_AGAIN_BY_DEFAULT) -> Item | None:
    """Forget one of the customer's items everywhere at once and return it; None when they
    have no such item (or it cannot be forgotten), and then nothing changes. Where the item's
    kind asks (``Item.asks_remember_again``), ``remember_again`` says whether we may remember it
    again; otherwise its kind decides (``Again``)."""
    item = find(user, key)
    forgetter = _forgetter_for(key) if item is not None else None
    if item is None or not item.forgettable or forgetter is None:
        return None
    may_again = {Again.YES: True, Again.NO: False}.get(forgetter.again, bool(remember_again))
    # Events still waiting in this process's buffer (or being written by its writer thread)
    # would otherwise land after the delete and bring the item back.
    from duken.interactions import buffer

    wait_idle = getattr(buffer, "wait_idle", None)
    if wait_idle is not None:
        wait_idle()
    buffer.flush()
    with transaction.atomic():
        forgetter.forget(user, key)
        if forgetter.suppress:
            _record(user, key, may_again)
    _changed(user, item_forgotten, key)
    logger.info(
        "remembered item forgotten",
        extra={"user": user.pk, "key": key, "may_remember_again": may_again},
    )
    return item


def _record(user, key: str, may_again: bool) -> None:
    try:
        with transaction.atomic():
            # the time says which buffered rows predate it (interactions.buffer) and which
            # orders no longer count (privacy.forgotten)
            ForgottenItem.objects.update_or_create(
                user_id=user.pk,
                key=key,
                defaults={"created_at": timezone.now(), "may_remember_again": may_again},
            )
    except IntegrityError:  # the same item forgotten twice at the same moment
        pass


def remember_again(user, key: str) -> Item | None:
    """Withdraw one of the customer's wishes not to be remembered again (``key`` is the wish's
    item on their page) and return it; None when they have no such wish. What was forgotten
    stays forgotten; from now on the item is remembered as usual."""
    item = find(user, key)
    if item is None or not item.withdrawable or not key.startswith(WISH_PREFIX):
        return None
    forgotten = key.removeprefix(WISH_PREFIX)
    forgetter = _forgetter_for(forgotten)
    records = ForgottenItem.objects.filter(user_id=user.pk, key=forgotten)
    if forgetter is not None and forgetter.again == Again.NO:
        # the wish was all there was: nothing had been deleted
        records.delete()
    else:
        # orders placed while the wish stood keep not counting, as the customer asked then
        records.update(may_remember_again=True, created_at=timezone.now())
    _changed(user, wish_withdrawn, forgotten)
    logger.info("wish not to be remembered withdrawn", extra={"user": user.pk, "key": forgotten})
    return item


def _changed(user, signal, key: str) -> None:
    """After a forget or a withdrawn wish: caches and listeners hear of it."""
    user.__dict__.pop(_FORGOTTEN_ATTR, None)
    try:
        versions.bump(_VERSION_KEY.format(pk=user.pk))
    except Exception:  # the change is stored already; a cache that is down holds nothing
        logger.exception("memory version could not be renewed", extra={"user": user.pk})
    for receiver, error in signal.send_robust(sender=Item, user=user, key=key):
        if isinstance(error, Exception):
            logger.error(
                "a listener failed after a change to what we remember",
                exc_info=error,
                extra={"receiver": getattr(receiver, "__qualname__", repr(receiver))},
            )
