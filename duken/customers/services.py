"""Customer accounts and their delivery addresses: every change goes through these functions."""

import logging
import re
import secrets

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import Address, CustomerNote, CustomerTag, CustomerTagging, User

logger = logging.getLogger(__name__)

# Digits with the usual separators; 7 to 15 digits (E.164 allows at most 15).
_PHONE_CHARS = re.compile(r"^\+?[\d\s\-()]+$")
_POSTCODE = re.compile(r"^[A-Za-z0-9\- ]{3,12}$")

ADDRESS_FIELDS = ("full_name", "phone", "country", "region", "city", "street", "postcode")


def normalize_phone(phone: str) -> str:
    return " ".join((phone or "").split())


def validate_phone(phone: str) -> None:
    digits = re.sub(r"\D", "", phone)
    if not _PHONE_CHARS.match(phone) or not 7 <= len(digits) <= 15:
        raise ValidationError(
            _("Enter a phone number with 7 to 15 digits, for example +7 701 123 45 67."),
            code="invalid_phone",
        )


def registration_errors(*, email, password, first_name="", last_name="", phone="") -> dict:
    """What is wrong with a sign-up's input, keyed by field (nothing about whether the address
    has an account: the sign-up page must not tell)."""
    errors = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid e-mail address.")]
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    candidate = User(email=email, first_name=first_name, last_name=last_name)
    try:
        password_validation.validate_password(password or "", user=candidate)
    except ValidationError as exc:
        errors["password"] = exc.messages
    return errors


def log_out_everywhere(user: User) -> None:
    """End every session of the user, in every browser and whatever store keeps it: each
    session's proof of login includes the user's session token, which changes here. The
    caller keeps its own session with ``update_session_auth_hash``."""
    user.session_token = secrets.token_hex(16)
    User.objects.filter(pk=user.pk).update(session_token=user.session_token)


def register_customer(
    *, email, password, first_name="", last_name="", phone="", language=""
) -> User:
    """Create a customer account at once (staff, imports, tests; shoppers sign up through
    ``registration``, which proves the address first). Raises ValidationError (keyed by field)
    on bad input or when the e-mail address is already registered."""
    email = (email or "").strip().lower()
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    phone = normalize_phone(phone)
    errors = registration_errors(
        email=email, password=password, first_name=first_name, last_name=last_name, phone=phone
    )
    if "email" not in errors and User.objects.filter(email__iexact=email).exists():
        errors["email"] = [_("An account with this e-mail address already exists.")]
    if errors:
        raise ValidationError(errors)
    return User.objects.create_user(
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        language=(language or "")[:8],
    )


def list_addresses(user) -> list[Address]:
    return list(Address.objects.filter(user=user))


def get_address(user, pk) -> Address:
    """The user's own address; raises Address.DoesNotExist for anyone else's."""
    return Address.objects.get(user=user, pk=pk)


def default_address(user) -> Address | None:
    if not user or not user.is_authenticated:
        return None
    return Address.objects.filter(user=user).order_by("-is_default", "-created_at").first()


def _clean_address(address: Address) -> None:
    address.phone = normalize_phone(address.phone)
    for field in ADDRESS_FIELDS:
        setattr(address, field, (getattr(address, field) or "").strip())
    errors = {}
    try:
        address.full_clean(exclude=["user"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if address.phone and "phone" not in errors:
        try:
            validate_phone(address.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if address.postcode and not _POSTCODE.match(address.postcode):
        errors["postcode"] = [_("Enter a valid postcode, for example 050000.")]
    if errors:
        raise ValidationError(errors)


def _only_default(address: Address) -> None:
    Address.objects.filter(user_id=address.user_id, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )


@transaction.atomic
def add_address(user, *, is_default=False, **fields) -> Address:
    """Save a new address for the user; the first one becomes the default."""
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise TypeError(f"unknown address fields: {', '.join(sorted(unknown))}")
    address = Address(user=user, **fields)
    _clean_address(address)
    address.is_default = bool(is_default) or not Address.objects.filter(user=user).exists()
    address.save()
    if address.is_default:
        _only_default(address)
    return address


@transaction.atomic
def update_address(address: Address, *, is_default=None, **fields) -> Address:
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise TypeError(f"unknown address fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(address, name, value)
    _clean_address(address)
    if is_default:
        address.is_default = True
    address.save()
    if address.is_default:
        _only_default(address)
    return address


@transaction.atomic
def set_default_address(address: Address) -> Address:
    address.is_default = True
    address.save(update_fields=["is_default"])
    _only_default(address)
    return address


@transaction.atomic
def delete_address(address: Address) -> None:
    """Delete an address; when it was the default, the newest remaining one takes over."""
    user_id, was_default = address.user_id, address.is_default
    address.delete()
    if was_default:
        successor = Address.objects.filter(user_id=user_id).order_by("-created_at").first()
        if successor:
            set_default_address(successor)


def address_as_dict(address: Address) -> dict:
    """The address in the shape checkout takes (``place_order(address=...)``)."""
    return {field: getattr(address, field) for field in ADDRESS_FIELDS}


# Staff notes and tags ---------------------------------------------------------------------


def add_note(customer: User, *, author: User, text: str) -> CustomerNote:
    """Write a staff note on the customer's timeline. Raises ValidationError on an empty or
    over-long text."""
    # NUL characters are never meant and PostgreSQL cannot store them.
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError(_("Write the note first."), code="empty")
    if len(text) > CustomerNote.MAX_LENGTH:
        raise ValidationError(
            _("A note can be at most %(max)d characters long (this one has %(length)d).")
            % {"max": CustomerNote.MAX_LENGTH, "length": len(text)},
            code="too_long",
        )
    return CustomerNote.objects.create(customer=customer, author=author, text=text)


def delete_note(note: CustomerNote, *, by: User) -> None:
    """Delete a note; staff delete only the notes they wrote themselves."""
    if note.author_id is None or note.author_id != by.pk:
        raise PermissionDenied(_("You can delete only your own notes."))
    note.delete()


# Letters (any script), digits, spaces, hyphens and underscores: nothing that could be markup.
_TAG = re.compile(r"^[^\W_](?:[\w\- ]*[^\W_])?$")


def clean_tag_name(name: str) -> str:
    """The tag name as stored: trimmed, inner spaces collapsed. Raises ValidationError."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Enter a tag."), code="empty")
    if len(name) > CustomerTag.MAX_LENGTH:
        raise ValidationError(
            _("A tag can be at most %(max)d characters long.") % {"max": CustomerTag.MAX_LENGTH},
            code="too_long",
        )
    if not _TAG.match(name):
        raise ValidationError(
            _("A tag may contain only letters, digits, spaces, hyphens and underscores."),
            code="invalid",
        )
    return name


def tag_key(name: str) -> str:
    return name.casefold()


def add_tag(customer: User, name: str, *, by: User | None = None) -> CustomerTag:
    """Put the tag on the customer (creating the tag on first use); adding it twice is fine."""
    name = clean_tag_name(name)
    key = tag_key(name)
    tag = CustomerTag.objects.filter(key=key).first()
    if tag is None:
        try:
            with transaction.atomic():
                tag = CustomerTag.objects.create(name=name, key=key)
        except IntegrityError:  # created by a concurrent request
            tag = CustomerTag.objects.get(key=key)
    try:
        with transaction.atomic():
            CustomerTagging.objects.get_or_create(
                customer=customer, tag=tag, defaults={"added_by": by}
            )
    except IntegrityError:  # tagged by a concurrent request
        pass
    return tag


def remove_tag(customer: User, name: str) -> bool:
    """Take the tag off the customer; returns whether it was there."""
    deleted, _counts = CustomerTagging.objects.filter(
        customer=customer, tag__key=tag_key(" ".join((name or "").split()))
    ).delete()
    return bool(deleted)


def tags_of(customer: User) -> list[CustomerTag]:
    return list(CustomerTag.objects.filter(taggings__customer=customer).order_by("key"))
