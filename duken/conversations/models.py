"""Reviews and ratings, product questions and answers, and the promises the shop makes when a
customer asks for something (an answer, a chat reply, a back-in-stock notice, a product)."""

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Longest texts a customer may post; longer ones are refused with a message, never cut.
REVIEW_TITLE_MAX = 120
REVIEW_TEXT_MAX = 2000
QUESTION_TEXT_MAX = 1000
ANSWER_TEXT_MAX = 2000
REASON_MAX = 500


class ProductRating(models.Model):
    """The denormalized rating of one product from its approved reviews, kept by the review
    services so the product page never aggregates."""

    product = models.OneToOneField(
        "catalog.Product", primary_key=True, on_delete=models.CASCADE, related_name="rating"
    )
    count = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)  # the sum of the stars
    stars_1 = models.PositiveIntegerField(default=0)
    stars_2 = models.PositiveIntegerField(default=0)
    stars_3 = models.PositiveIntegerField(default=0)
    stars_4 = models.PositiveIntegerField(default=0)
    stars_5 = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("product rating")
        verbose_name_plural = _("product ratings")

    def __str__(self):
        return f"{self.product_id}: {self.average} ({self.count})"

    @property
    def average(self) -> float:
        return round(self.total / self.count, 1) if self.count else 0.0

    def distribution(self) -> list[tuple[int, int, int]]:
        """(stars, count, percent) from five stars down to one."""
        rows = []
        for stars in range(5, 0, -1):
            n = getattr(self, f"stars_{stars}")
            rows.append((stars, n, round(100 * n / self.count) if self.count else 0))
        return rows


class Review(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting moderation")
        APPROVED = "approved", _("published")
        REJECTED = "rejected", _("rejected")

    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("product"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("customer"),
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    title = models.CharField(_("title"), max_length=REVIEW_TITLE_MAX, blank=True)
    text = models.TextField(_("review"), max_length=REVIEW_TEXT_MAX)
    language = models.CharField(_("language"), max_length=8, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    rejection_reason = models.CharField(_("reason"), max_length=REASON_MAX, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField(_("shop's reply"), max_length=ANSWER_TEXT_MAX, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "user"], name="one_review_per_customer"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["product", "status", "-created_at"], name="review_list")]

    def __str__(self):
        return f"{self.rating}★ {self.title or self.text[:40]}"

    @property
    def author_name(self) -> str:
        """What other shoppers see: the first name and the initial of the last name."""
        first = (self.user.first_name or "").strip()
        last = (self.user.last_name or "").strip()
        if not first:
            return str(_("Customer"))
        return f"{first} {last[:1]}." if last else first


class ReviewVote(models.Model):
    """One customer found one review helpful (once; never their own)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="one_vote_per_customer")
        ]


class Question(models.Model):
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("product"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("customer"),
    )
    text = models.TextField(_("question"), max_length=QUESTION_TEXT_MAX)
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    # Set by the first answer; answered questions show on the product page for everyone.
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    is_hidden = models.BooleanField(
        _("hidden"),
        default=False,
        help_text=_("Hidden questions are not shown on the product page."),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["product", "-answered_at"], name="question_list")]

    def __str__(self):
        return self.text[:60]

    def get_absolute_url(self):
        return reverse("conversations:question", args=[self.pk])


class Answer(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("answer"), max_length=ANSWER_TEXT_MAX)
    by_staff = models.BooleanField(_("from the shop"), default=False)
    created_at = models.DateTimeField(_("answered"), default=timezone.now)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.text[:60]

    @property
    def author_name(self) -> str:
        if self.by_staff:
            return str(_("Duken shop"))
        first = (getattr(self.user, "first_name", "") or "").strip()
        return first or str(_("Customer"))


class GuestAddress(models.Model):
    """An e-mail address a guest gave from one browser (its ``dk_vid`` visitor id). The shop
    writes there only once the address's owner confirmed, through the link e-mailed to it,
    that this browser may use it (double opt-in, see ``guest_addresses``)."""

    email = models.EmailField(_("e-mail"))
    visitor = models.CharField(max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("given"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("guest e-mail address")
        verbose_name_plural = _("guest e-mail addresses")
        constraints = [
            models.UniqueConstraint(fields=["email", "visitor"], name="guest_address_once")
        ]

    def __str__(self):
        return self.email

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class ConfirmationMail(models.Model):
    """The last confirmation link sent to an address, whichever browser asked: at most one a
    day per address, so typing someone's address again and again does not flood them."""

    email = models.EmailField(unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    guest_address = models.ForeignKey(
        GuestAddress, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


def guest_recipient(customer, guest_address) -> str:
    """Where the shop may write: a customer's own address, a guest's once confirmed."""
    if customer is not None:
        return customer.email
    if guest_address is not None and guest_address.confirmed_at is not None:
        return guest_address.email
    return ""


class Promise(models.Model):
    """Something the shop owes a customer: an answer to a question, a reply in the chat, a
    notice when a product is back in stock, a product they asked for. Each has an owner on the
    staff and a due time; closing it tells the customer, quoting their own words."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        CHAT = "chat", _("Chat request")
        BACK_IN_STOCK = "back_in_stock", _("Back-in-stock request")
        PRODUCT_REQUEST = "product_request", _("Product request")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        KEPT = "kept", _("kept")  # the customer got what was promised
        CLOSED = "closed", _("closed")  # closed without it (spam, withdrawn, duplicate)

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    # What was promised about: a question, a chat conversation, a product, ...
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="promises",
        verbose_name=_("customer"),
    )
    # The address a guest gave; replies go there once it is confirmed (``guest_address``).
    email = models.EmailField(_("e-mail"), blank=True)
    guest_address = models.ForeignKey(
        GuestAddress, null=True, blank=True, on_delete=models.SET_NULL, related_name="promises"
    )
    words = models.TextField(_("the customer's words"))
    said_at = models.DateTimeField(_("said"), default=timezone.now)
    said_where = models.CharField(_("where"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_promises",
        verbose_name=_("owner"),
        limit_choices_to={"is_staff": True},
    )
    due_at = models.DateTimeField(_("due"), db_index=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply = models.TextField(_("reply"), blank=True)
    # When the customer was e-mailed the reply; the e-mail task sends at most once.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("promise")
        verbose_name_plural = _("promises")
        ordering = ["said_at", "pk"]
        indexes = [
            models.Index(fields=["status", "said_at"], name="promise_inbox"),
            models.Index(fields=["content_type", "object_id"], name="promise_target"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.words[:50]}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_at < timezone.now()

    @property
    def was_late(self) -> bool:
        return self.closed_at is not None and self.closed_at > self.due_at

    @property
    def recipient(self) -> str:
        """Where the reply may go: the customer's address, or the guest's once confirmed."""
        return guest_recipient(self.customer, self.guest_address)


CHAT_MESSAGE_MAX = 2000
CHAT_NAME_MAX = 100


def new_link_nonce() -> str:
    return secrets.token_hex(8)


class Conversation(models.Model):
    """A support chat between a shopper (a customer, or a guest known by a name and an address)
    and the shop's staff. Open until staff close it, which keeps its "chat" promise."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="conversations",
        verbose_name=_("customer"),
    )
    name = models.CharField(_("name"), max_length=CHAT_NAME_MAX, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    guest_address = models.ForeignKey(
        GuestAddress,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    started_where = models.CharField(_("where"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    last_message_at = models.DateTimeField(_("last message"), default=timezone.now)
    # The shopper's open sockets and when one last showed a sign of life: a staff reply to a
    # shopper with none, or silent for a while, goes out by e-mail.
    shopper_sockets = models.IntegerField(default=0)
    shopper_seen_at = models.DateTimeField(null=True, blank=True)
    # The e-mailed link back to a guest's conversation carries this nonce; the first browser
    # that follows it claims it (``link_claimed_at``) and from then on the link opens the
    # conversation in that browser only. A fresh link (``link_sent_at``) gets a new nonce.
    link_nonce = models.CharField(max_length=16, default=new_link_nonce)
    link_claimed_at = models.DateTimeField(null=True, blank=True)
    link_sent_at = models.DateTimeField(null=True, blank=True)
    link_mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chat conversation")
        verbose_name_plural = _("chat conversations")
        ordering = ["-last_message_at", "-pk"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="chat_by_customer")]

    def __str__(self):
        return f"{self.display_name} ({self.created_at:%Y-%m-%d})"

    @property
    def display_name(self) -> str:
        if self.customer_id:
            return self.customer.get_full_name() or self.customer.email
        return self.name or self.email or str(_("Guest"))

    @property
    def recipient(self) -> str:
        """Where staff replies may go: the customer's address, or the guest's once confirmed."""
        return guest_recipient(self.customer, self.guest_address)

    def get_absolute_url(self):
        from .chat import continue_url

        return continue_url(self)


class ChatMessage(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_staff = models.BooleanField(_("from the shop"), default=False)
    text = models.TextField(_("message"), max_length=CHAT_MESSAGE_MAX)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    # When a staff message went to an absent shopper by e-mail.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="chat_history")]

    def __str__(self):
        return self.text[:60]
