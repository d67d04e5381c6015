import hashlib

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

# Demo customers imported from the data set get addresses on this reserved domain
# (RFC 2606: .example never delivers), so no real person is ever written to.
DEMO_EMAIL_DOMAIN = "customers.duken.example"


class CustomerManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # A longer name is no account's address (so a wrong login, as usual); SQLite would even
        # refuse the case-insensitive lookup of a very long one ("LIKE pattern too complex").
        if len(username) > self.model._meta.get_field(self.model.USERNAME_FIELD).max_length:
            raise self.model.DoesNotExist
        return self.get(email__iexact=username)

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("an e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A customer or a staff member. Everyone logs in with their e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    country = models.CharField(_("country"), max_length=64, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    # The data set's CustomerID for imported demo customers; empty for real sign-ups.
    external_id = models.CharField(max_length=32, blank=True, db_index=True)
    is_demo = models.BooleanField(
        _("demo customer"), default=False, help_text=_("Imported demo data, not a real person.")
    )
    accepts_marketing = models.BooleanField(_("accepts marketing e-mail"), default=False)
    # Part of every session's proof of login: a new token ends all the user's sessions
    # ("log out everywhere"), whatever store keeps them (database, or Redis with cached_db).
    session_token = models.CharField(max_length=32, blank=True, editable=False)

    objects = CustomerManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name

    @property
    def display_name(self):
        return self.first_name or self.email.split("@")[0]

    def _get_session_auth_hash(self, secret=None):
        # Django's hash of the password, which both get_session_auth_hash() and the
        # SECRET_KEY_FALLBACKS check use; with a session token the token is mixed in, so a new
        # token (or a new password) makes every earlier session's hash stale. Users who never
        # had a token keep Django's hash, so their sessions survive this change.
        if not self.session_token:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "duken.customers.User.session_auth_hash",
            f"{self.password}:{self.session_token}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Address(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    full_name = models.CharField(_("full name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=32)
    country = models.CharField(_("country"), max_length=64, default="Kazakhstan")
    region = models.CharField(_("region or city of republican significance"), max_length=64)
    city = models.CharField(_("city or settlement"), max_length=80)
    street = models.CharField(_("street, house, flat"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=12, blank=True)
    is_default = models.BooleanField(_("default address"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "-created_at"]

    def __str__(self):
        return f"{self.full_name}, {self.city}, {self.street}"


class CustomerNote(models.Model):
    """A staff member's note about a customer, shown on the customer's timeline."""

    MAX_LENGTH = 2000

    customer = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="staff_notes", verbose_name=_("customer")
    )
    author = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("note text"), max_length=MAX_LENGTH)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("customer note")
        verbose_name_plural = _("customer notes")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="customer_note_time")]

    def __str__(self):
        return self.text[:60]


class CustomerTag(models.Model):
    """A label staff put on customers ("wholesale", "VIP"); ``key`` keeps names unique whatever
    their letter case, in any script."""

    MAX_LENGTH = 32

    name = models.CharField(_("name"), max_length=MAX_LENGTH)
    key = models.CharField(max_length=MAX_LENGTH, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    customers = models.ManyToManyField(
        User,
        through="CustomerTagging",
        through_fields=("tag", "customer"),
        related_name="tags",
        verbose_name=_("customers"),
    )

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        ordering = ["key"]

    def __str__(self):
        return self.name


class CustomerTagging(models.Model):
    """One tag on one customer: who put it there and when."""

    tag = models.ForeignKey(CustomerTag, on_delete=models.CASCADE, related_name="taggings")
    customer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="taggings")
    added_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        constraints = [
            models.UniqueConstraint(fields=["customer", "tag"], name="customer_tag_once"),
        ]


class CustomerFact(models.Model):
    """Something the customer told us about themselves ("size 42", "allergic to nuts", "deliver
    after 6 pm"), kept with where and when they said it, so the shop can act on it and quote it
    back. Only facts the customer gave are kept; ``is_active`` is off once it no longer holds."""

    MAX_LENGTH = 500

    class Source(models.TextChoices):
        CHAT = "chat", _("chat")
        QUESTION = "question", _("question")
        REVIEW = "review", _("review")
        CHECKOUT_NOTE = "checkout_note", _("checkout note")
        ACCOUNT = "account", _("account")
        STAFF = "staff", _("told to our staff")

    customer = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="facts", verbose_name=_("customer")
    )
    text = models.CharField(_("what they told us"), max_length=MAX_LENGTH)
    source_kind = models.CharField(_("where"), max_length=20, choices=Source.choices)
    # The message it came from, when there is one (a question, a review, a chat message).
    source_type = models.ForeignKey(
        "contenttypes.ContentType",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    said_at = models.DateTimeField(_("said"), default=timezone.now)
    created_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(_("still true"), default=True)

    class Meta:
        verbose_name = _("customer fact")
        verbose_name_plural = _("customer facts")
        ordering = ["-said_at", "-pk"]
        indexes = [models.Index(fields=["customer", "is_active", "-said_at"], name="customer_fact")]

    def __str__(self):
        return self.text[:60]


class PendingRegistration(models.Model):
    """A sign-up waiting for its address to be proven: the account is created from this row
    (with the password chosen at sign-up, kept hashed here, never in the e-mailed link) when
    the link e-mailed to the address is followed. One row per address; signing up again
    replaces the password and names. For an address that already has an account the row only
    remembers when the shop last wrote there (its password is emptied once the notice left)."""

    email = models.EmailField(unique=True)
    password = models.CharField(max_length=128, blank=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    language = models.CharField(max_length=8, blank=True)
    nonce = models.CharField(max_length=16)
    requested_at = models.DateTimeField(default=timezone.now)
    mailed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.email


class RecoveryCodes(TimestampMixin, ThrottlingMixin, Device):
    """A user's single-use recovery codes, for when the authenticator app is not at hand (a
    django-otp device, so a session verified with one counts like one verified with the app).
    Only each code's SHA-256 is kept: the codes are shown once, when they are made."""

    class Meta(Device.Meta):
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    @staticmethod
    def digest(code: str) -> str:
        # Codes carry about 79 random bits, so a plain hash is enough to keep them unusable
        # to whoever reads the table.
        normalized = "".join(ch for ch in (code or "").lower() if ch.isalnum())
        return hashlib.sha256(normalized.encode()).hexdigest()

    def get_throttle_factor(self):
        return 1

    def verify_token(self, token):
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        # Deleting the code is what uses it: of two requests racing with the same code, only
        # the one whose DELETE removed the row gets in.
        used, _count = self.codes.filter(digest=self.digest(token)).delete()
        if used:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment(commit=True)
        return bool(used)


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodes, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64, db_index=True)
