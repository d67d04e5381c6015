"""What customers told us about themselves: facts kept with where and when they were said.

``add_fact`` keeps one; ``fact_from_message`` turns a question, a review or a chat message into
a fact in one click by staff; ``quote`` gives it back in the customer's words ("You told us on
3 May that ..."); ``facts_for`` is what segments, messages and pages read."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from duken.orders.models import Order

from .models import CustomerFact

Source = CustomerFact.Source

# The messages staff can turn into a fact: source kind -> (model, author fields tried in
# order, text field). Apps above this one register theirs (``register_message_source``, from
# the conversations app's ``AppConfig.ready()``). A message written by staff is never a
# customer's fact.
MESSAGE_MODELS = {
    Source.CHECKOUT_NOTE: (Order, ("user",), "customer_note"),
}


def register_message_source(source_kind, model, author_fields, text_field) -> None:
    MESSAGE_MODELS[source_kind] = (model, tuple(author_fields), text_field)


class MessageNotFound(LookupError):
    """No message of that kind and id, or it was not written by a customer."""


def clean_text(text) -> str:
    text = " ".join(str(text or "").replace("\x00", "").split())
    if not text:
        raise ValidationError(_("Write what the customer told us."))
    if len(text) > CustomerFact.MAX_LENGTH:
        raise ValidationError(
            _("Keep it to %(max)d characters (it has %(count)d).")
            % {"max": CustomerFact.MAX_LENGTH, "count": len(text)}
        )
    return text


def add_fact(
    customer, text, *, source_kind=Source.ACCOUNT, source=None, said_at=None, created_by=None
) -> CustomerFact:
    """Keep ``text`` as something ``customer`` told us. Raises ``ValidationError`` for an empty
    or over-long text (nothing is saved)."""
    if source_kind not in Source.values:
        raise ValidationError(_("Unknown source."))
    return CustomerFact.objects.create(
        customer=customer,
        text=clean_text(text),
        source_kind=source_kind,
        source_type=ContentType.objects.get_for_model(source) if source is not None else None,
        source_id=source.pk if source is not None else None,
        said_at=said_at or timezone.now(),
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
    )


def message_model(source_kind):
    spec = MESSAGE_MODELS.get(source_kind)
    return spec[0] if spec is not None else None


def find_message(source_kind, pk):
    """The message, its author and its text; ``MessageNotFound`` otherwise."""
    model = message_model(source_kind)
    if model is None:
        raise MessageNotFound(source_kind)
    _model, author_fields, text_field = MESSAGE_MODELS[source_kind]
    try:
        pk = int(pk)
        if not 0 < pk < 2**63:
            raise ValueError(pk)
        message = model.objects.get(pk=pk)
    except (ValueError, TypeError, model.DoesNotExist) as error:
        raise MessageNotFound(source_kind) from error
    author = next(
        (getattr(message, f) for f in author_fields if getattr(message, f, None) is not None), None
    )
    if author is None or getattr(author, "is_staff", False) or getattr(message, "by_staff", False):
        raise MessageNotFound(source_kind)
    return message, author, getattr(message, text_field, "")


def fact_from_message(source_kind, pk, *, by, text=None) -> CustomerFact:
    """Staff's one click: keep a customer's message (or ``text``, the part of it that matters)
    as a fact, said where and when the message was written. The same message is kept once."""
    message, author, words = find_message(source_kind, pk)
    ct = ContentType.objects.get_for_model(message)
    existing = CustomerFact.objects.filter(
        customer=author, source_type=ct, source_id=message.pk, is_active=True
    ).first()
    if existing is not None:
        return existing
    said_at = getattr(message, "created_at", None) or getattr(message, "placed_at", None)
    return add_fact(
        author,
        text if text else words[: CustomerFact.MAX_LENGTH],
        source_kind=source_kind,
        source=message,
        said_at=said_at,
        created_by=by,
    )


def facts_for(customer, *, include_inactive=False):
    """The customer's facts, newest first: for pages, segments and messages."""
    if customer is None or not getattr(customer, "pk", None):
        return CustomerFact.objects.none()
    facts = CustomerFact.objects.filter(customer=customer)
    if not include_inactive:
        facts = facts.filter(is_active=True)
    return facts.order_by("-said_at", "-pk")


def customers_who_told(words):
    """Customers whose facts still in force mention ``words`` (any letter case): a segment,
    e.g. everyone who told us "allergic to nuts"."""
    from django.contrib.auth import get_user_model

    words = " ".join(str(words or "").split())
    if not words or len(words) > CustomerFact.MAX_LENGTH:
        # no fact holds more (and SQLite refuses a LIKE pattern over 50,000 bytes)
        return get_user_model().objects.none()
    told = CustomerFact.objects.filter(is_active=True, text__icontains=words)
    return get_user_model().objects.filter(pk__in=told.values("customer_id"))


def own_fact(customer, pk) -> CustomerFact | None:
    """One of ``customer``'s own facts; another customer's is never found."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:
        return None
    return CustomerFact.objects.filter(customer=customer, pk=pk).first()


def update_fact(fact: CustomerFact, text) -> CustomerFact:
    fact.text = clean_text(text)
    fact.save(update_fields=["text"])
    return fact


def set_active(fact: CustomerFact, active: bool) -> CustomerFact:
    fact.is_active = active
    fact.save(update_fields=["is_active"])
    return fact


def remove_fact(fact: CustomerFact) -> None:
    fact.delete()


def where_said(fact: CustomerFact) -> str:
    places = {
        Source.CHAT: _("in the chat"),
        Source.QUESTION: _("in a question"),
        Source.REVIEW: _("in a review"),
        Source.CHECKOUT_NOTE: _("in a checkout note"),
        Source.ACCOUNT: _("in your account"),
        Source.STAFF: _("to our staff"),
    }
    return str(places.get(fact.source_kind, ""))


def quote(fact: CustomerFact) -> str:
    """The fact given back in the active language: "You told us on 3 May that: size 42"."""
    said = timezone.localtime(fact.said_at)
    return _("You told us on %(date)s: “%(text)s”") % {
        "date": formats.date_format(said, "j E"),
        "text": fact.text,
    }
