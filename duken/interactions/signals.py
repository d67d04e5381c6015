import logging

from django.contrib.auth.signals import user_logged_in
from django.core.signals import request_finished
from django.dispatch import receiver

from . import buffer, services
from .visitor import visitor_id

logger = logging.getLogger(__name__)


@receiver(user_logged_in, dispatch_uid="interactions.join_visitor")
def join_visitor_on_login(sender, request, user, **kwargs):
    if request is None:
        return
    try:
        services.join_visitor(user, visitor_id(request))
    except Exception:  # logging in must work even when the history cannot be joined
        logger.exception("visitor events could not be joined to the customer")


@receiver(request_finished, dispatch_uid="interactions.flush_if_due")
def flush_after_response(sender, **kwargs):
    # The server sends this once the response body went out: the batch write costs the visitor
    # no waiting.
    buffer.flush_if_due()
