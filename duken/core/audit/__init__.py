"""The audit log: who read or changed what, when and from where.

Every app records through one function::

    from duken.core import audit
    audit.record(audit.ORDER_STATUS, obj=order, summary="paid → packed",
                 changes={"status": ("paid", "packed")})

The person and the address come from ``request`` (or, when it is not passed, from the request
being served: ``RequestMemoMiddleware`` keeps it in a context variable), so a service deep in
the stack records who asked without being told. Outside a request (a task, a command) the
entry has no person unless ``actor`` is given. The entry is written in the caller's
transaction: a change that is rolled back leaves no entry, and one that is kept has its entry.

Values are kept short and secrets never: a changed field whose name says password, secret,
token or key is recorded as changed, without its values. The sealer (``chain.seal``, every
minute in the worker, and ``duken audit seal``) chains the entries; ``duken audit verify``
checks the chain.
"""

import datetime as dt
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from duken.core import memo
from duken.core.clients import client_ip

# The actions, with the label the back office shows. Apps record with these names.
ADMIN_ADD = "admin.add"
ADMIN_CHANGE = "admin.change"
ADMIN_DELETE = "admin.delete"
PASSWORD_SET = "user.password"
PERMISSIONS_CHANGE = "user.permissions"
ORDER_STATUS = "order.status"
ORDER_REFUND = "order.refund"
PAYMENT_CONFIRM = "payment.confirm"
PAYMENT_CALLBACK = "payment.callback"
PRODUCT_PRICE = "product.price"
PRODUCT_STOCK = "product.stock"
CONSENT_CHANGE = "consent.change"
CUSTOMER_VIEW = "customer.view"
CUSTOMER_SEARCH = "customer.search"
RECOMMENDATIONS_VIEW = "recommendations.view"
CUSTOMER_EXPORT = "customer.export"
CUSTOMER_ERASE = "customer.erase"

ACTIONS = {
    ADMIN_ADD: _("Added in the admin"),
    ADMIN_CHANGE: _("Changed in the admin"),
    ADMIN_DELETE: _("Deleted in the admin"),
    PASSWORD_SET: _("Password set by staff"),
    PERMISSIONS_CHANGE: _("Staff rights changed"),
    ORDER_STATUS: _("Order status changed"),
    ORDER_REFUND: _("Order refunded"),
    PAYMENT_CONFIRM: _("Payment confirmed by staff"),
    PAYMENT_CALLBACK: _("Payment provider's callback"),
    PRODUCT_PRICE: _("Price changed"),
    PRODUCT_STOCK: _("Stock changed"),
    CONSENT_CHANGE: _("Consent changed"),
    CUSTOMER_VIEW: _("Customer's timeline viewed"),
    CUSTOMER_SEARCH: _("Customers searched"),
    RECOMMENDATIONS_VIEW: _("Customer's recommendations viewed"),
    CUSTOMER_EXPORT: _("Copy of a customer's data asked for"),
    CUSTOMER_ERASE: _("Customer's account erased"),
}

SECRET_WORDS = ("password", "secret", "token", "key", "otp", "recovery")
HIDDEN = "(hidden)"
VALUE_LENGTH = 200
USER_AGENT_LENGTH = 120


def is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def _short(text: str, length: int) -> str:
    # PostgreSQL refuses the NUL character in text.
    text = str(text).replace("\x00", "\ufffd")
    return text if len(text) <= length else text[: length - 1] + "…"


def plain(value):
    """A value as the log keeps it: text, a number, true/false, null or a sorted list."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return _short(value, VALUE_LENGTH)
    if isinstance(value, list | tuple | set | frozenset | models.QuerySet):
        return sorted(_short(item, VALUE_LENGTH) for item in value)
    return _short(value, VALUE_LENGTH)


def clean_changes(changes) -> dict:
    """``{field: (old, new)}`` as kept: plain values, secrets hidden."""
    kept = {}
    for name, (old, new) in (changes or {}).items():
        if is_secret(str(name)):
            kept[str(name)] = [HIDDEN, HIDDEN]
            continue
        kept[str(name)] = [plain(old), plain(new)]
    return kept


def _person(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return None, ""
    return user.pk, _short(user.get_username(), 150)


def object_label(obj) -> str:
    return obj._meta.label_lower


def record(
    action: str,
    *,
    obj=None,
    actor=None,
    request=None,
    summary: str = "",
    changes=None,
    object_type: str = "",
    object_id="",
    object_repr: str = "",
):
    """Write one audit entry (unsealed) in the current transaction and return it.

    ``obj`` names the object (or ``object_type``/``object_id``/``object_repr`` for one that is
    not a model instance, or is gone); ``actor`` is who did it (by default the request's user);
    ``changes`` maps changed fields to (old, new)."""
    from duken.core.models import AuditEntry

    request = request if request is not None else memo.current_request()
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    actor_id, username = _person(actor)
    if obj is not None:
        object_type = object_type or object_label(obj)
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    ip = user_agent = ""
    if request is not None:
        ip = client_ip(request)[:45]
        user_agent = _short(request.META.get("HTTP_USER_AGENT", ""), USER_AGENT_LENGTH)
    return AuditEntry.objects.create(
        actor_id=actor_id,
        actor_username=username,
        action=_short(action, 50),
        object_type=_short(object_type, 100),
        object_id=_short("" if object_id is None else object_id, 64),
        object_repr=_short(object_repr, 200),
        summary=_short(summary, 300),
        changes=clean_changes(changes),
        ip=ip,
        user_agent=user_agent,
    )


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))
