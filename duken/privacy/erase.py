"""Erasing a customer's account ("delete my account", staff's "delete customer", the admin's
delete): the account is anonymized in one transaction, not deleted, because the shop must keep
its orders and payments for its accounts (tax law); they stay without anything that names the
person.

- the account: name, phone, country, language blanked; the e-mail address replaced by an
  unusable placeholder on ``ERASED_DOMAIN`` (so the address can sign up again); the password
  unusable, the account inactive, every session ended, staff rights and groups removed;
- deleted: addresses, carts, staff notes and tags, facts, forget records and wishes (one
  record "all activity, up to now" takes their place, so that events still buffered in a
  process from before the erasure are never written for the account), data
  exports (and their files), the authenticator and recovery codes, the interaction log of the
  account and of its browsers' visitor ids, pending sign-ups and lockout records under the
  address; the apps above privacy delete theirs through ``register_eraser`` (chats and their
  messages, promises, wishlist, back-in-stock and "tell us" requests, recommendations);
- anonymized: orders (e-mail → the placeholder; phone, recipient, street, city, postcode and
  the customer's note blanked; country and region kept for the tax report), guest orders
  placed with the same address likewise, the search log (kept for statistics without the
  customer), sent e-mails (the address and the body removed, the subject kept as the log);
- kept: the consent history, tied to the anonymous account and without visitor ids, as proof
  of what was agreed to before (with a withdrawal of every optional purpose added at the
  erasure); reviews and questions, shown as "Customer" with no name.

``erase_customer`` may run again on an erased account: it changes nothing more.
"""

import logging
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from duken.core import audit
from duken.customers import services as customers

from .models import OPTIONAL_PURPOSES, WORDING_VERSION, ConsentRecord, DataExport, ForgottenItem
from .models import Source as ConsentSource

logger = logging.getLogger(__name__)

ERASED_DOMAIN = "deleted.invalid"  # RFC 2606: .invalid never delivers
ERASED_ACTIVITY_KEY = "activity:all"

_erasers: dict[str, Callable] = {}


def register_eraser(name: str, eraser: Callable) -> None:
    """``eraser(user, email)`` deletes or anonymizes an app's rows about the customer
    (``email`` is their address before the erasure). Runs inside the erasure's transaction;
    must be safe to run twice. Apps above privacy call this in ``AppConfig.ready()``."""
    _erasers[name] = eraser


def placeholder_email(user) -> str:
    return f"deleted-{user.pk}@{ERASED_DOMAIN}"


def is_erased(user) -> bool:
    return (user.email or "").lower().endswith("@" + ERASED_DOMAIN)


def erase_customer(user, *, by=None) -> bool:
    """Anonymize ``user``'s account and delete or anonymize their data (see the module);
    ``by`` is the staff member who did it (None for the customer's own request). Returns False
    when the account was already erased (nothing more changes)."""
    from duken.customers.models import User

    files: list[DataExport] = []
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if is_erased(user):
            return False
        email = user.email
        placeholder = placeholder_email(user)
        visitor_ids = _visitor_ids(user)
        for eraser in _erasers.values():
            eraser(user, email)
        _erase_activity(user, visitor_ids)
        _erase_orders(user, email, placeholder)
        _erase_messages(user, email, placeholder)
        files = _erase_privacy_records(user, visitor_ids)
        _erase_account_rows(user, email)
        _anonymize_account(user, placeholder)
        # Who erased the account (staff, or the customer themselves through the request), named
        # by its placeholder: the log keeps no more of the person than the account does.
        audit.record(
            audit.CUSTOMER_ERASE,
            actor=by,
            object_type=audit.object_label(user),
            object_id=user.pk,
            object_repr=placeholder,
        )
        transaction.on_commit(lambda: _delete_files(files), robust=True)
    logger.info("account erased", extra={"user": user.pk, "by": getattr(by, "pk", None)})
    return True


def _visitor_ids(user) -> list[str]:
    from .export import visitor_ids_of

    return visitor_ids_of(user)


def _erase_activity(user, visitor_ids) -> None:
    from duken.catalog.models import SearchQuery
    from duken.checkout.models import Cart
    from duken.interactions.models import Event

    Event.objects.filter(user_id=user.pk).delete()
    if visitor_ids:
        Event.objects.filter(user__isnull=True, visitor_id__in=visitor_ids).delete()
    # The search log is kept for the shop's statistics, without the customer.
    SearchQuery.objects.filter(user_id=user.pk).update(user=None, session_key="")
    Cart.objects.filter(user_id=user.pk).delete()


def _erase_orders(user, email, placeholder) -> None:
    from duken.orders.models import Order

    Order.objects.filter(Q(user_id=user.pk) | Q(user__isnull=True, email__iexact=email)).update(
        email=placeholder,
        phone="",
        ship_full_name="",
        ship_city="",
        ship_street="",
        ship_postcode="",
        customer_note="",
    )


def _erase_messages(user, email, placeholder) -> None:
    from duken.outbox.models import Message

    mine = Message.objects.filter(Q(user_id=user.pk) | Q(to__iexact=email))
    # What was not sent yet is never sent; what was sent stays as the log, without the person.
    mine.filter(status=Message.Status.PENDING).delete()
    mine.update(to=placeholder, text="", html="", headers={})


def _erase_privacy_records(user, visitor_ids) -> list[DataExport]:
    ForgottenItem.objects.filter(user_id=user.pk).delete()
    # Events still buffered in some process from before the erasure are not written for the
    # account (``forgotten.unwanted`` drops rows older than a forget).
    ForgottenItem.objects.create(user_id=user.pk, key=ERASED_ACTIVITY_KEY, may_remember_again=True)
    exports = list(DataExport.objects.filter(user_id=user.pk).only("pk", "file"))
    DataExport.objects.filter(user_id=user.pk).delete()
    if visitor_ids:
        ConsentRecord.objects.filter(user__isnull=True, visitor_id__in=visitor_ids).delete()
    ConsentRecord.objects.filter(user_id=user.pk).exclude(visitor_id="").update(visitor_id="")
    # The history stays as proof; from now on nothing optional is agreed to.
    now = timezone.now()
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            user_id=user.pk,
            purpose=purpose,
            granted=False,
            wording_version=WORDING_VERSION,
            source=ConsentSource.ERASURE,
            created_at=now,
        )
        for purpose in OPTIONAL_PURPOSES
    )
    return exports


def _erase_account_rows(user, email) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from duken.customers.models import (
        Address,
        CustomerFact,
        CustomerNote,
        CustomerTagging,
        PendingRegistration,
        RecoveryCodes,
    )

    Address.objects.filter(user_id=user.pk).delete()
    CustomerFact.objects.filter(customer_id=user.pk).delete()
    CustomerNote.objects.filter(customer_id=user.pk).delete()
    CustomerTagging.objects.filter(customer_id=user.pk).delete()
    PendingRegistration.objects.filter(email__iexact=email).delete()
    TOTPDevice.objects.filter(user_id=user.pk).delete()
    RecoveryCodes.objects.filter(user_id=user.pk).delete()
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username__iexact=email).delete()
    # The admin's history names the account by what it was called then (its name or e-mail).
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(user), object_id=str(user.pk)
    ).update(object_repr=placeholder_email(user))


def _anonymize_account(user, placeholder) -> None:
    user.email = placeholder
    user.first_name = user.last_name = user.phone = user.country = user.language = ""
    user.external_id = ""
    user.accepts_marketing = False
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    customers.log_out_everywhere(user)


def _delete_files(exports) -> None:
    from .export import delete_files

    delete_files(exports)
