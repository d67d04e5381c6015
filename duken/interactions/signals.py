import logging

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import services
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
