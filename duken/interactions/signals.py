import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.core.signals import request_finished
from django.dispatch import receiver

from . import buffer, services
from .visitor import renew, visitor_id

logger = logging.getLogger(__name__)


@receiver(user_logged_in, dispatch_uid="interactions.join_visitor")
def join_visitor_on_login(sender, request, user, **kwargs):
    if request is None:
        return
    try:
        services.join_visitor(user, visitor_id(request))
    except Exception:  # logging in must work even when the history cannot be joined
        logger.exception("visitor events could not be joined to the customer")


@receiver(user_logged_out, dispatch_uid="interactions.renew_visitor")
def renew_visitor_on_logout(sender, request, user, **kwargs):
    # On a shared computer the next person's browsing must not join the account that left.
    if request is not None:
        renew(request)


@receiver(request_finished, dispatch_uid="interactions.flush_if_due")
def flush_after_response(sender, **kwargs):
    # The server sends this once the response body went out: the batch write costs the visitor
    # no waiting, and with the writer thread the worker's next request does not wait either.
    buffer.after_response()
