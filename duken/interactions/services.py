"""Recording what customers do, and reading it back.

``record`` is the one entry point. Analytics kinds need the visitor's ``analytics`` consent and
are buffered (see ``buffer``); strictly necessary kinds (an order placed) are kept regardless of
consent and written at once. Nothing is recorded about what a customer asked us never to
remember again (``privacy.forgotten``). Recording never raises into the page: a failure is
logged."""

import json
import logging
import math

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language

from . import buffer, context
from .gates import gates
from .models import Event, Kind
from .visitor import visitor_id

logger = logging.getLogger(__name__)

# Kinds a shop must keep to do its job, whatever the visitor chose about analytics.
NECESSARY_KINDS = frozenset({Kind.ORDER_PLACED})
KINDS = frozenset(Kind.values)

MAX_PROPERTIES_BYTES = 2048
MAX_KEY_LENGTH = 64


class InvalidProperties(ValueError):
    pass


def clean_properties(properties) -> dict:
    """A flat mapping of short string keys to str/int/float/bool values, at most 2 KB as JSON.
    Raises ``InvalidProperties`` otherwise."""
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        raise InvalidProperties("properties must be a mapping")
    for key, value in properties.items():
        if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidProperties(f"bad key {key!r:.80}")
        if not isinstance(value, str | int | float | bool):
            raise InvalidProperties(f"value of {key!r} is a {type(value).__name__}")
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidProperties(f"value of {key!r} is not finite")
    # No database stores NUL in text (PostgreSQL refuses it): it is dropped, as typed text is.
    properties = {
        key: value.replace("\x00", "") if isinstance(value, str) else value
        for key, value in properties.items()
    }
    size = len(json.dumps(properties, ensure_ascii=False).encode())
    if size > MAX_PROPERTIES_BYTES:
        raise InvalidProperties(f"{size} bytes, more than {MAX_PROPERTIES_BYTES}")
    return dict(properties)


def _allowed(request, kind) -> bool:
    return kind in NECESSARY_KINDS or gates.analytics_allowed(request)


def _user(request):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return None


def build_event(request, kind, *, obj=None, properties=None) -> Event:
    user = _user(request)
    details = context.for_request(request)
    session = getattr(request, "session", None)
    event = Event(
        user=user,
        visitor_id=visitor_id(request) or "",
        kind=kind,
        properties=properties or {},
        occurred_at=timezone.now(),
        session_key=(session.session_key if session is not None else None) or "",
        referrer_domain=details.referrer_domain,
        utm_source=details.utm_source,
        utm_medium=details.utm_medium,
        utm_campaign=details.utm_campaign,
        device=details.device,
        language=(getattr(request, "LANGUAGE_CODE", None) or get_language() or "")[:8],
        country=(user.country if user is not None else "")[:64],
    )
    if obj is not None:
        event.content_type = ContentType.objects.get_for_model(obj)
        event.object_id = obj.pk
    return event


def record(request, kind, *, obj=None, properties=None) -> bool:
    """Record one event of ``kind`` about ``obj`` (a saved model instance, optional) if consent
    allows; returns whether it was kept. Analytics events are written in the next batch, order
    events at once."""
    try:
        if kind not in KINDS:
            logger.warning("interaction event refused: unknown kind", extra={"kind": kind})
            return False
        try:
            properties = clean_properties(properties)
        except InvalidProperties as error:
            logger.warning(
                "interaction event refused: invalid properties",
                extra={"kind": kind, "reason": str(error)},
            )
            return False
        if obj is not None and getattr(obj, "pk", None) is None:
            logger.warning("interaction event dropped: unsaved object", extra={"kind": kind})
            return False
        if not _allowed(request, kind):
            return False
        event = build_event(request, kind, obj=obj, properties=properties)
        if kind in NECESSARY_KINDS:
            return _write_now(event)
        if event.user is not None and _wished_away(event):
            return False
        buffer.add(event)
        return True
    except Exception:
        logger.exception("interaction event could not be recorded", extra={"kind": kind})
        return False


def _wished_away(event) -> bool:
    return gates.refuses(event.user, event)


def _write_now(event) -> bool:
    if not buffer.existing([event]):
        return False
    # In the caller's transaction (an order and its event commit together); the savepoint
    # keeps a failed write from breaking that transaction.
    with transaction.atomic():
        event.save()
    return True


def flush() -> int:
    """Write the buffered events now; returns how many were written."""
    return buffer.flush()


def events_for(user):
    """The customer's own events, newest first. Never anyone else's."""
    if user is None or not user.is_authenticated or user.pk is None:
        return Event.objects.none()
    return Event.objects.filter(user_id=user.pk).order_by("-occurred_at", "-pk")


def join_visitor(user, visitor: str | None) -> int:
    """Give the customer the events their visitor id collected before they logged in (one
    UPDATE); returns how many were joined. Buffered events are written first so none is missed.
    Events about something the customer asked us never to remember again are deleted instead:
    they would be stored about them."""
    if not visitor or user is None or user.pk is None:
        return 0
    buffer.flush()
    history = Event.objects.filter(visitor_id=visitor, user__isnull=True)
    doomed = gates.covered(user, history)
    if doomed:
        Event.objects.filter(pk__in=doomed).delete()
    return history.update(user=user, country=user.country[:64])
