"""The customer's copy of their data: a zip of everything the shop holds about them, one JSON
and one CSV file per kind, and a README.txt in their language that says what each file holds.

``request_export(user)`` writes a ``DataExport`` row and, after the commit, queues the worker's
task (``tasks.build_data_export``), which calls ``build(export_id)``: it gathers the rows from
the sources (this module's own and those the apps above privacy add with
``register_source``), writes the zip to private storage and, for the customer's own request,
queues the e-mail with a signed link in the same transaction that marks the export ready. The
link (``download_token``) names the export and the customer and expires with the export;
``expire_exports()`` (run by the worker every hour) deletes the files of expired exports.

No secret leaves in the zip: no password hash, session key, authenticator key, recovery code,
payment idempotency key or checkout token.
"""

import csv
import io
import json
import logging
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duken.core.files import private_storage

from .models import ConsentRecord, DataExport, ForgottenItem

logger = logging.getLogger(__name__)

TOKEN_SALT = "duken.privacy.export.download"
FOLDER = "data-exports"


class ExportError(Exception):
    """Refused, with a message for the customer; nothing changed."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class LinkExpired(ExportError):
    """The link was genuine but its export has expired (HTTP 410)."""


class LinkInvalid(ExportError):
    """The link is not one of ours, or not this customer's (HTTP 404)."""


# --- sources ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    name: str  # the file's name without extension, e.g. "orders"
    rows: Callable  # rows(user, visitor_ids) -> iterable of flat dicts
    description: object  # a lazy translated sentence for the README


_sources: dict[str, Source] = {}


def register_source(name: str, rows: Callable, description) -> None:
    """Add a kind of data to every export: ``rows(user, visitor_ids)`` returns the customer's
    rows as dicts (JSON-able values; no secrets). Apps above privacy call this in their
    ``AppConfig.ready()``; registering a name again replaces it."""
    _sources[name] = Source(name=name, rows=rows, description=description)


def sources() -> list[Source]:
    return list(_sources.values())


def visitor_ids_of(user) -> list[str]:
    """The browser ids (``dk_vid``) the customer's own events and consent choices were made
    under: their anonymous history before logging in belongs to them too."""
    from duken.interactions.models import Event

    ids = set(
        Event.objects.filter(user_id=user.pk)
        .exclude(visitor_id="")
        .values_list("visitor_id", flat=True)
        .distinct()
    )
    ids |= set(
        ConsentRecord.objects.filter(user_id=user.pk)
        .exclude(visitor_id="")
        .values_list("visitor_id", flat=True)
        .distinct()
    )
    return sorted(ids)


def _profile(user, visitor_ids):
    yield {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "country": user.country,
        "language": user.language,
        "accepts_marketing": user.accepts_marketing,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "visitor_ids": " ".join(visitor_ids),
    }


def _addresses(user, visitor_ids):
    from duken.customers.models import Address

    return Address.objects.filter(user_id=user.pk).values(
        "full_name",
        "phone",
        "country",
        "region",
        "city",
        "street",
        "postcode",
        "is_default",
        "created_at",
    )


def _orders_of(user):
    from duken.orders.models import Order

    return Order.objects.filter(user_id=user.pk)


def _orders(user, visitor_ids):
    return _orders_of(user).values(
        "number",
        "placed_at",
        "status",
        "email",
        "phone",
        "currency",
        "subtotal",
        "shipping_cost",
        "total",
        "delivery_name",
        "ship_full_name",
        "ship_country",
        "ship_region",
        "ship_city",
        "ship_street",
        "ship_postcode",
        "payment_method",
        "paid_at",
        "language",
        "customer_note",
    )


def _order_lines(user, visitor_ids):
    from duken.orders.models import OrderLine

    return (
        OrderLine.objects.filter(order__user_id=user.pk)
        .order_by("order__placed_at", "pk")
        .values(
            "order__number",
            "product_id",
            "product_name",
            "sku",
            "unit_price",
            "quantity",
            "line_total",
        )
    )


def _payments(user, visitor_ids):
    from duken.payments.models import Payment

    return (
        Payment.objects.filter(order__user_id=user.pk)
        .order_by("created_at", "pk")
        .values(
            "order__number", "created_at", "provider", "amount", "currency", "status", "reference"
        )
    )


def _interactions(user, visitor_ids):
    from duken.interactions.models import Event

    mine = Q(user_id=user.pk)
    if visitor_ids:
        mine |= Q(user__isnull=True, visitor_id__in=visitor_ids)
    return (
        Event.objects.filter(mine)
        .order_by("occurred_at", "pk")
        .values(
            "occurred_at",
            "kind",
            "content_type__app_label",
            "content_type__model",
            "object_id",
            "properties",
            "visitor_id",
            "referrer_domain",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "device",
            "language",
            "country",
        )
        .iterator(chunk_size=2000)
    )


def _searches(user, visitor_ids):
    from duken.catalog.models import SearchQuery

    return (
        SearchQuery.objects.filter(user_id=user.pk)
        .order_by("created_at", "pk")
        .values("created_at", "query", "result_count", "language")
    )


def _consents(user, visitor_ids):
    mine = Q(user_id=user.pk)
    if visitor_ids:
        mine |= Q(user__isnull=True, visitor_id__in=visitor_ids)
    return (
        ConsentRecord.objects.filter(mine)
        .order_by("created_at", "pk")
        .values("created_at", "purpose", "granted", "wording_version", "source", "visitor_id")
    )


def _facts(user, visitor_ids):
    from duken.customers.models import CustomerFact

    return CustomerFact.objects.filter(customer_id=user.pk).values(
        "text", "source_kind", "said_at", "is_active"
    )


def _forgotten(user, visitor_ids):
    for row in ForgottenItem.objects.filter(user_id=user.pk).values(
        "key", "created_at", "may_remember_again"
    ):
        row["standing_wish_not_to_be_remembered"] = not row.pop("may_remember_again")
        yield row


def _second_factor(user, visitor_ids):
    from duken.customers import twofactor

    yield {
        "two_step_verification_on": twofactor.has_second_factor(user),
        "authenticator_app": twofactor.app_device(user) is not None,
        "recovery_codes_left": twofactor.recovery_codes_left(user),
    }


def _emails(user, visitor_ids):
    from duken.outbox.models import Message

    return (
        Message.objects.filter(user_id=user.pk)
        .order_by("created_at", "pk")
        .values("created_at", "kind", "to", "subject", "status", "sent_at")
    )


register_source(
    "profile",
    _profile,
    gettext_lazy("Your account: name, e-mail address, phone, country, language, when you joined."),
)
register_source("addresses", _addresses, gettext_lazy("The delivery addresses you saved."))
register_source(
    "orders",
    _orders,
    gettext_lazy("Your orders: number, date, status, amounts, delivery address and your note."),
)
register_source("order_lines", _order_lines, gettext_lazy("What each order held, line by line."))
register_source(
    "payments",
    _payments,
    gettext_lazy("The payments for your orders: method, amount, status and reference."),
)
register_source(
    "interactions",
    _interactions,
    gettext_lazy(
        "What you did in the shop (pages and products viewed, searches, cart changes), also "
        "before you logged in in the same browser, as far as your privacy choices let us keep it."
    ),
)
register_source("searches", _searches, gettext_lazy("What you searched for while logged in."))
register_source(
    "consents",
    _consents,
    gettext_lazy("Every privacy choice you made: what, when, to which wording, and where."),
)
register_source("facts", _facts, gettext_lazy("What you told us about yourself that we noted."))
register_source(
    "forgotten",
    _forgotten,
    gettext_lazy(
        "What you asked us to forget, and whether you asked us never to remember it again."
    ),
)
register_source(
    "second_factor",
    _second_factor,
    gettext_lazy(
        "Whether two-step verification is on (the keys and recovery codes are never exported)."
    ),
)
register_source("emails", _emails, gettext_lazy("The e-mails we sent you."))


# --- the zip ----------------------------------------------------------------------------------


def _columns(rows: list[dict]) -> list[str]:
    columns: dict[str, None] = {}
    for row in rows:
        for key in row:
            columns.setdefault(key, None)
    return list(columns)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    columns = _columns(rows)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue()


def collect(user) -> dict[str, list[dict]]:
    """Every kind of data the shop holds about ``user``, as rows."""
    visitor_ids = visitor_ids_of(user)
    return {source.name: list(source.rows(user, visitor_ids)) for source in sources()}


def readme(user, counts: dict[str, int], language: str) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        lines = [
            _("Your data at Duken"),
            "",
            _(
                "This archive holds everything the shop keeps about the account %(email)s, "
                "made on %(date)s. Each kind of data comes twice: as JSON (for programs) and as "
                "CSV (for spreadsheets). Times are in UTC."
            )
            % {"email": user.email, "date": timezone.now().strftime("%Y-%m-%d %H:%M UTC")},
            "",
        ]
        for source in sources():
            lines.append(f"{source.name}.json, {source.name}.csv")
            lines.append("    " + str(source.description))
            lines.append("    " + _("Rows: %(count)s") % {"count": counts.get(source.name, 0)})
            lines.append("")
        lines.append(
            _(
                "Questions about your data? Reply to the e-mail that brought you this archive or "
                "write to the shop's support."
            )
        )
    return "\n".join(lines) + "\n"


def write_zip(user, target, language: str) -> dict[str, int]:
    """Write the customer's archive into the file object ``target``; returns the row count of
    each kind."""
    data = collect(user)
    counts = {name: len(rows) for name, rows in data.items()}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(user, counts, language))
        for name, rows in data.items():
            archive.writestr(
                f"{name}.json",
                json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
            )
            archive.writestr(f"{name}.csv", _csv(rows))
    return counts


# --- requests, the worker's part, links -------------------------------------------------------


def _days() -> int:
    return settings.DUKEN_DATA_EXPORT_DAYS


def current(user, *, by_staff=False) -> DataExport | None:
    """The newest export of the customer (theirs, or staff's), with its status brought up to
    date."""
    export = DataExport.objects.filter(user_id=user.pk, by_staff=by_staff).first()
    if export is not None and export.status == DataExport.Status.READY and _is_past(export):
        export.status = DataExport.Status.EXPIRED
    return export


def _is_past(export) -> bool:
    return export.expires_at is not None and export.expires_at <= timezone.now()


def request_export(user, *, requested_by=None, language="") -> DataExport:
    """Ask for a new export of ``user``'s data (by the customer, or by staff with
    ``requested_by``). Refused while one is being prepared."""
    from . import erase

    if erase.is_erased(user):
        raise ExportError(_("This account has been deleted; there is nothing to export."))
    by_staff = requested_by is not None
    try:
        with transaction.atomic():
            export = DataExport.objects.create(
                user=user,
                requested_by=requested_by,
                by_staff=by_staff,
                language=language or user.language or settings.LANGUAGE_CODE,
            )
    except IntegrityError:
        raise ExportError(
            _("An export is already being prepared. Please wait until it is ready.")
        ) from None
    transaction.on_commit(partial(_enqueue, export.pk), robust=True)
    return export


def _enqueue(export_id: int) -> None:
    from .tasks import build_data_export

    build_data_export.enqueue(export_id)


def build(export_id: int) -> bool:
    """The worker's part: make the zip of a requested export and, for the customer's own
    request, queue the e-mail with the link. Safe to run twice: an export that is no longer
    being prepared is left alone (returns False)."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.REQUESTED:
        return False
    user = export.user
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    try:
        with tempfile.TemporaryFile() as tmp:
            write_zip(user, tmp, export.language)
            size = tmp.tell()
            tmp.seek(0)
            name = private_storage().save(f"{FOLDER}/{user.pk}/duken-data-{stamp}.zip", File(tmp))
    except Exception:
        # The page says so and the customer may ask again; the error goes to the worker's log.
        DataExport.objects.filter(pk=export.pk, status=DataExport.Status.REQUESTED).update(
            status=DataExport.Status.FAILED
        )
        raise
    with transaction.atomic():
        claimed = DataExport.objects.filter(
            pk=export.pk, status=DataExport.Status.REQUESTED
        ).update(
            status=DataExport.Status.READY,
            file=name,
            size=size,
            ready_at=timezone.now(),
            expires_at=timezone.now() + timedelta(days=_days()),
        )
        if not claimed:  # another worker made it meanwhile
            transaction.on_commit(partial(private_storage().delete, name))
            return False
        export.refresh_from_db()
        if not export.by_staff:
            _queue_email(export)
    return True


def download_token(export: DataExport) -> str:
    return signing.dumps({"export": export.pk, "user": export.user_id}, salt=TOKEN_SALT)


def download_url(export: DataExport) -> str:
    return reverse("storefront:privacy_export_download", args=[download_token(export)])


def _queue_email(export: DataExport) -> None:
    from duken.outbox import services as outbox

    user = export.user
    with translation.override(export.language or settings.LANGUAGE_CODE):
        link = settings.SITE_URL.rstrip("/") + download_url(export)
        context = {
            "user": user,
            "link": link,
            "days": _days(),
            "expires_at": export.expires_at,
        }
        subject = _("Your Duken data is ready to download")
        text = render_to_string("privacy/email/export_ready.txt", context)
        html = render_to_string("privacy/email/export_ready.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    outbox.email(
        message,
        key=f"data-export:{export.pk}",
        kind="data_export_ready",
        user=user,
        reference=str(export.pk),
    )


def export_for_link(user, token: str) -> DataExport:
    """The ready export a download link names, for the logged-in ``user`` only. Raises
    ``LinkInvalid`` (tampered, or another customer's) or ``LinkExpired``."""
    invalid = LinkInvalid(_("This download link is not valid."))
    expired = LinkExpired(
        _("This download link has expired. You can ask for a new copy of your data.")
    )
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=timedelta(days=_days()))
    except signing.SignatureExpired:
        raise expired from None
    except signing.BadSignature:
        raise invalid from None
    if not isinstance(data, dict) or data.get("user") != user.pk:
        raise invalid
    export = DataExport.objects.filter(pk=data.get("export"), user_id=user.pk).first()
    if export is None or export.by_staff:
        raise invalid
    if export.status == DataExport.Status.EXPIRED or _is_past(export):
        raise expired
    if export.status != DataExport.Status.READY or not export.file:
        raise invalid
    return export


def staff_export(user, export_id) -> DataExport:
    """A staff export of ``user`` that can be downloaded now, or ``LinkExpired`` /
    ``LinkInvalid``."""
    export = DataExport.objects.filter(pk=export_id, user_id=user.pk, by_staff=True).first()
    if export is None:
        raise LinkInvalid(_("There is no such export."))
    if export.status == DataExport.Status.EXPIRED or _is_past(export):
        raise LinkExpired(_("This export has expired. Ask for a new one."))
    if export.status != DataExport.Status.READY or not export.file:
        raise LinkInvalid(_("This export is not ready yet."))
    return export


def download_name(export: DataExport) -> str:
    return f"duken-data-{export.created_at:%Y-%m-%d}.zip"


def delete_files(exports: Iterable[DataExport]) -> None:
    storage = private_storage()
    for export in exports:
        if export.file:
            try:
                storage.delete(export.file.name)
            except OSError:
                logger.warning("could not delete an export file", extra={"export": export.pk})


def expire_exports(now=None) -> int:
    """Delete the files of exports past their time and mark them expired; returns how many.
    Also gives up exports stuck in preparation for a day (the worker lost them)."""
    now = now or timezone.now()
    stale = list(
        DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now).only(
            "pk", "file"
        )
    )
    delete_files(stale)
    count = DataExport.objects.filter(pk__in=[e.pk for e in stale]).update(
        status=DataExport.Status.EXPIRED, file=""
    )
    DataExport.objects.filter(
        status=DataExport.Status.REQUESTED, created_at__lte=now - timedelta(days=1)
    ).update(status=DataExport.Status.FAILED)
    return count
