from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duken.core.files import private_storage

# The version of the consent texts shown to customers. A new wording gets a new version, so
# every stored choice says which text the customer agreed to, and the banner asks again.
WORDING_VERSION = "2026-11"


class Purpose(models.TextChoices):
    NECESSARY = "necessary", _("Strictly necessary")
    ANALYTICS = "analytics", _("Analytics")
    PERSONALIZATION = "personalization", _("Personalization")
    MARKETING = "marketing", _("Marketing messages")


# The purposes a customer chooses; strictly necessary is always on and never asked.
OPTIONAL_PURPOSES = (Purpose.ANALYTICS, Purpose.PERSONALIZATION, Purpose.MARKETING)


class Source(models.TextChoices):
    BANNER = "banner", _("consent banner")
    ACCOUNT_PAGE = "account_page", _("account page")
    CONSENT_PAGE = "consent_page", _("consent page")
    CHECKOUT = "checkout", _("checkout")
    LOGIN = "login", _("carried over on log-in")
    ERASURE = "erasure", _("account deleted")


class ConsentRecord(models.Model):
    """One grant or withdrawal of one purpose. Append-only: a change of mind is a new row, so
    the history of what a customer agreed to, when and to which wording is never lost."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="consent_records",
        verbose_name=_("customer"),
    )
    visitor_id = models.CharField(_("visitor id"), max_length=64, blank=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    wording_version = models.CharField(_("wording version"), max_length=16)
    source = models.CharField(_("where given"), max_length=20, choices=Source.choices)
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-created_at", "-id"]
        indexes = [
            # latest record per purpose for a customer, and for an anonymous visitor
            models.Index(fields=["user", "purpose", "-id"], name="privacy_user_purpose_idx"),
            models.Index(
                fields=["visitor_id", "purpose", "-id"], name="privacy_visitor_purpose_idx"
            ),
        ]

    def __str__(self):
        state = "granted" if self.granted else "withdrawn"
        return f"{self.purpose} {state} ({self.wording_version})"


class ForgottenItem(models.Model):
    """A customer asked us to forget one remembered item (see ``privacy.memory``). The rows
    behind it were deleted at ``created_at``; this row keeps what the shop must go on keeping
    (orders) from bringing back, through interests or recommendations, what was forgotten, and
    tells every process that rows still buffered from before that time are not to be written.

    Unless ``may_remember_again``, the customer also asked us never to remember the item again:
    a standing wish, shown on their memory page until they withdraw it, and honoured when rows
    are written (``privacy.forgotten``): nothing about the item is stored for them. The key
    never holds the forgotten text itself: a search is kept as a digest of its words."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="forgotten_items",
        verbose_name=_("customer"),
    )
    key = models.CharField(_("item"), max_length=80)
    # Forgotten up to this time; a withdrawn wish moves it to the moment of the withdrawal.
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)
    may_remember_again = models.BooleanField(_("may be remembered again"), default=False)

    class Meta:
        verbose_name = _("forgotten item")
        verbose_name_plural = _("forgotten items")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="privacy_forgotten_once"),
        ]

    def __str__(self):
        return self.key


class DataExport(models.Model):
    """A zip of everything the shop holds about one customer (``privacy.export``). Asked for by
    the customer, who gets an e-mail with a link when the worker has made it, or by staff, who
    download it from the back office. The file lives in private storage and is deleted when
    the export expires."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("being prepared")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")
        EXPIRED = "expired", _("expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="data_exports",
        verbose_name=_("customer"),
    )
    # Staff who asked for it; the customer's own exports have none.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    by_staff = models.BooleanField(_("for staff"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    file = models.FileField(_("file"), storage=private_storage, max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created_at", "-pk"]
        permissions = [("export_customer_data", _("Can export a customer's data"))]
        constraints = [
            # One export being prepared at a time, for the customer and for staff.
            models.UniqueConstraint(
                fields=["user", "by_staff"],
                condition=models.Q(status="requested"),
                name="privacy_one_export_in_progress",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"
