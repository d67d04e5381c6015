from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import services


@receiver(user_logged_in, dispatch_uid="privacy.carry_over_consent")
def carry_over_consent_on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        services.carry_over_on_login(request, user)
