"""Duken's own system checks: what `duken check --deploy` (and a production start) reports
beyond Django's security checks."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

CONSOLE_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
SANDBOX = "duken.payments.providers.sandbox.SandboxCardProvider"


@register(Tags.security, deploy=True)
def check_secret_key_is_set(app_configs, **kwargs):
    if getattr(settings, "SECRET_KEY_FROM_ENVIRONMENT", True):
        return []
    return [
        Error(
            "SECRET_KEY is not set: this installation uses a key generated for this machine "
            "(var/secrets/secret-key), which other servers of the shop do not share.",
            hint="Set SECRET_KEY to a random value of at least 50 characters.",
            id="duken.E001",
        )
    ]


@register(Tags.security, deploy=True)
def check_sandbox_gateway(app_configs, **kwargs):
    if SANDBOX not in settings.DUKEN_PAYMENT_PROVIDERS:
        return []
    return [
        Warning(
            "The sandbox card gateway is offered: an order paid with a test card is marked paid "
            "and no money is taken.",
            hint="Remove it from DUKEN_PAYMENT_PROVIDERS and list a real gateway.",
            id="duken.W002",
        )
    ]


@register()
def check_production_mail(app_configs, **kwargs):
    """Order confirmations, password resets and replies go nowhere without a mail server."""
    if not getattr(settings, "PRODUCTION", False) or settings.EMAIL_BACKEND not in CONSOLE_BACKENDS:
        return []
    return [
        Warning(
            f"DUKEN_PRODUCTION is on but e-mail is not sent anywhere ({settings.EMAIL_BACKEND}).",
            hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.kz:587.",
            id="duken.W003",
        )
    ]


@register(Tags.security, deploy=True)
def check_site_url_scheme(app_configs, **kwargs):
    if not getattr(settings, "HTTPS", False) or settings.SITE_URL.startswith("https://"):
        return []
    return [
        Warning(
            f"DUKEN_HTTPS is on but SITE_URL ({settings.SITE_URL}) is not an https:// address: "
            "links in e-mails would go over plain HTTP.",
            hint="Set SITE_URL to the shop's public https:// address.",
            id="duken.W004",
        )
    ]


@register()
def check_trusted_proxies(app_configs, **kwargs):
    import ipaddress

    errors = []
    for entry in getattr(settings, "DUKEN_TRUSTED_PROXIES", ()):
        try:
            ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"DUKEN_TRUSTED_PROXIES holds {entry!r}, which is not an address or network.",
                    hint="List addresses or networks, e.g. 127.0.0.1,10.0.0.0/8.",
                    id="duken.E005",
                )
            )
    return errors
