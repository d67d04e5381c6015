"""The customer's rights over their data, as the pages and the back office ask for them: a copy
of everything (``export``) and the erasure of the account (``erase``). Staff actions go through
``staff_request_export`` and ``staff_erase_customer``, one function each."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from duken.core import audit
from duken.customers import twofactor

from . import erase, export

EXPORT_PERMISSION = "privacy.export_customer_data"
ERASE_PERMISSION = "customers.delete_user"


class RightsError(Exception):
    """Refused, with a message for the user; nothing changed."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def request_own_export(user, *, language="") -> "export.DataExport":
    """The customer asks for a copy of their data; the e-mail with the link follows."""
    try:
        return export.request_export(user, language=language)
    except export.ExportError as exc:
        raise RightsError(exc.message) from None


def delete_own_account(user, *, password: str, code: str = "", confirmed: bool) -> None:
    """The customer erases their own account, after proving it is them again: the password,
    and a code from their authenticator (or a recovery code) if two-step verification is on.
    Raises ``RightsError`` (``twofactor.WrongCode`` for a wrong code) and changes nothing."""
    if user.is_staff:
        raise RightsError(
            _("Staff accounts are deleted by an administrator, not from the shop's pages.")
        )
    if not confirmed:
        raise RightsError(_("Please confirm that you want your account deleted."))
    if not password or not user.check_password(password):
        raise RightsError(_("The password is not right."))
    if twofactor.has_second_factor(user):
        if not (code or "").strip():
            raise RightsError(_("Enter the code from your authenticator app."))
        twofactor.verify(user, code)
    erase.erase_customer(user)


def staff_request_export(customer, *, by) -> "export.DataExport":
    """Staff ask for a copy of a customer's data, to download from the back office (it is not
    e-mailed to anyone)."""
    if not by.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied
    try:
        made = export.request_export(customer, requested_by=by, language=by.language)
    except export.ExportError as exc:
        raise RightsError(exc.message) from None
    audit.record(audit.CUSTOMER_EXPORT, obj=customer, actor=by)
    return made


def staff_erase_customer(customer, *, by) -> bool:
    """Staff erase (anonymize) a customer's account; returns False if it already was."""
    if not by.has_perm(ERASE_PERMISSION):
        raise PermissionDenied
    if customer.pk == by.pk:
        raise RightsError(_("You cannot delete your own account here."))
    if customer.is_superuser and not by.is_superuser:
        raise PermissionDenied
    return erase.erase_customer(customer, by=by)
