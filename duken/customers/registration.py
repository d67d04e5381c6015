"""Signing up without telling anyone whether an address has an account.

The sign-up page answers every valid sign-up the same way ("we sent a link to … to finish
creating your account"), and the request does the same work whatever the address: it checks
the input, hashes the password, keeps the sign-up in a ``PendingRegistration`` row and queues
one e-mail. Only the e-mail task looks at the accounts: a new address gets a link that creates
the account (active, with the password chosen at sign-up) and logs in whoever follows it; an
address that has an account gets a notice that someone tried to sign up with it, with links to
log in and to reset the password. So neither the page, its status nor its timing tell the two
apart; only the mailbox's owner learns it.

The link carries the row's id and a nonce, signed and valid for ``LINK_MAX_AGE``; it works
once (the row goes when the account is made). At most one e-mail per address per
``MAIL_EVERY``: signing up again within that time updates the sign-up, and the link already
sent finishes it with the latest password."""

import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from duken.outbox import services as outbox

from .models import PendingRegistration, User
from .services import registration_errors

LINK_SALT = "duken.customers.registration"
LINK_MAX_AGE = 60 * 60 * 24 * 2  # the finishing link works for two days
MAIL_EVERY = timedelta(minutes=10)


def request_registration(*, email, password, first_name="", last_name="", language="") -> str:
    """Keep a sign-up and queue its e-mail. Raises ValidationError (keyed by field) on bad
    input, never because the address has an account. Returns the address as written to."""
    email = (email or "").strip().lower()
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    errors = registration_errors(
        email=email, password=password, first_name=first_name, last_name=last_name
    )
    if errors:
        raise ValidationError(errors)
    fields = {
        "password": make_password(password),  # the slow part, done for every address alike
        "first_name": first_name[:150],
        "last_name": last_name[:150],
        "language": (language or "")[:8],
        "requested_at": timezone.now(),
    }
    with transaction.atomic():
        # Sign-ups whose link expired are of no use: their password hashes go.
        expired = fields["requested_at"] - timedelta(seconds=LINK_MAX_AGE)
        PendingRegistration.objects.filter(requested_at__lt=expired).delete()
        pending = _keep(email, fields)
        transaction.on_commit(partial(_enqueue, pending.pk), robust=True)
    return email


def _keep(email: str, fields: dict) -> PendingRegistration:
    """The address's sign-up row with ``fields``: updated if there is one, else created."""
    if not PendingRegistration.objects.filter(email=email).update(**fields):
        try:
            with transaction.atomic():
                return PendingRegistration.objects.create(
                    email=email, nonce=secrets.token_hex(8), **fields
                )
        except IntegrityError:  # the same address signed up at the same moment
            PendingRegistration.objects.filter(email=email).update(**fields)
    return PendingRegistration.objects.get(email=email)


def _enqueue(pending_id: int) -> None:
    from .tasks import send_registration_email

    send_registration_email.enqueue(pending_id)


# The link ----------------------------------------------------------------------------------


def finish_url(pending: PendingRegistration) -> str:
    token = signing.dumps({"p": pending.pk, "n": pending.nonce}, salt=LINK_SALT, compress=True)
    return reverse("storefront:register_finish", args=[token])


def from_token(token: str) -> PendingRegistration | None:
    """The sign-up a link finishes, or None when the link is forged, expired or used."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("p"), int):
        return None
    return (
        PendingRegistration.objects.filter(pk=data["p"], nonce=str(data.get("n")))
        .exclude(password="")
        .first()
    )


def finish_registration(pending: PendingRegistration) -> User | None:
    """Create the account from the sign-up (active, with its password). None when the address
    got an account meanwhile (the link followed twice at once, or staff made one)."""
    try:
        with transaction.atomic():
            if User.objects.filter(email__iexact=pending.email).exists():
                raise IntegrityError("the address has an account")
            user = User(
                email=pending.email,
                first_name=pending.first_name,
                last_name=pending.last_name,
                language=pending.language,
                password=pending.password,
            )
            user.save()
            PendingRegistration.objects.filter(pk=pending.pk).delete()
    except IntegrityError:
        return None
    return user


# The e-mail --------------------------------------------------------------------------------


def _language(pending: PendingRegistration) -> str:
    languages = {code for code, _name in settings.LANGUAGES}
    code = (pending.language or "")[:2]
    return code if code in languages else settings.LANGUAGE_CODE


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def build_email(pending: PendingRegistration, account: User | None) -> EmailMultiAlternatives:
    with translation.override(_language(pending)):
        context = {"email": pending.email, "site_url": settings.SITE_URL}
        if account is None:
            name = "registration_finish"
            subject = _("Duken: finish creating your account")
            context.update(name=pending.first_name, link=_site(finish_url(pending)))
        else:
            name = "registration_taken"
            subject = _("Duken: someone tried to create an account with your address")
            context.update(
                name=account.first_name,
                login_link=_site(reverse("storefront:login")),
                reset_link=_site(reverse("storefront:password_reset")),
            )
        text = render_to_string(f"customers/email/{name}.txt", context)
        html = render_to_string(f"customers/email/{name}.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[pending.email]
    )
    message.attach_alternative(html, "text/html")
    return message


def send_registration_email(pending_id: int) -> bool:
    """The sign-up's e-mail: the finishing link, or the notice to an address that has an
    account. At most one per address per ``MAIL_EVERY``. Returns whether one was sent."""
    pending = PendingRegistration.objects.filter(pk=pending_id).first()
    if pending is None:
        return False
    account = User.objects.filter(email__iexact=pending.email).first()
    row = PendingRegistration.objects.filter(pk=pending.pk)
    now = timezone.now()
    sent = outbox.email_once(
        build_email(pending, account),
        key=f"registration:{pending.pk}:{now.isoformat()}",
        claim=lambda: row.filter(
            Q(mailed_at__isnull=True) | Q(mailed_at__lt=now - MAIL_EVERY)
        ).update(mailed_at=now),
        kind="registration_taken" if account else "registration",
        user=account,
        reference=str(pending.pk),
    )
    if account is not None:
        row.update(password="")  # nothing to finish: no password is kept for it
    return sent
