from django.utils import translation
from django_tasks import task

from . import registration


@task()
def send_registration_email(pending_id: int) -> bool:
    """E-mail a sign-up its finishing link (or its address's owner a notice that the address
    has an account). Safe to run twice: at most one per address in ``MAIL_EVERY``."""
    return registration.send_registration_email(pending_id)


@task()
def send_password_reset(email: str, domain: str, use_https: bool, language: str) -> None:
    """E-mail the password reset link to the accounts with ``email``, in ``language``."""
    from .forms import PasswordResetForm

    form = PasswordResetForm({"email": email})
    if form.is_valid():
        with translation.override(language or None):
            form.send_now(domain=domain, use_https=use_https)
