"""Recommendations for the rest of the shop: the page widgets, e-mail campaigns, the back
office's view of a customer and the interests behind a customer's recommendations.

Personal recommendations are derived from a person's own history only when they allow
personalization (``privacy.may_personalize``); everyone else, and every unknown product or
customer, gets non-personal ones: similar products, best sellers in the country or category.
"""

from collections import Counter
from dataclasses import dataclass, field

from . import personal
from .models import CustomerRecommendations, TrainingRun
from .privacy import may_personalize
from .serving import (  # noqa: F401  (part of this API)
    Item,
    Widget,
    basket_widget,
    country_of,
    home_widgets,
    personal_or_popular,
    popular_widget,
    product_widgets,
    stored_for_you,
)
from .tasks import train_recommendations  # noqa: F401  (part of this API)


def confirmation_widget(order, lines=None, limit: int = 8) -> Widget:
    """On the order confirmation: what customers who bought these products also bought."""
    lines = lines if lines is not None else list(order.lines.all())
    pairs = [(line.product_id, line.product_name) for line in lines if line.product_id]
    return basket_widget(pairs, name="also-bought", limit=limit)


def recommend_for_email(user, k: int = 6) -> list[tuple]:
    """``k`` products for a campaign e-mail to ``user`` as ``(product, reason_text)``:
    personal when the customer allows personalization, best sellers in their country else."""
    k = max(0, int(k))
    allowed = user is not None and getattr(user, "pk", None) and may_personalize(user)
    items = personal_or_popular(user, k, personalized=bool(allowed))
    return [(item.product, item.reason) for item in items]


@dataclass
class CustomerRecommendationsView:
    """What the back office shows about a customer's recommendations."""

    personalized: bool  # whether the customer allows personalization now
    items: list[Item]  # what they would be shown now, with the reasons
    stored: list[Item] = field(default_factory=list)  # the personal list (even if not shown)
    interests: list[tuple[str, int]] = field(default_factory=list)  # basis, with weight
    updated_at: object = None
    last_full_training: object = None


def interests(user) -> list[tuple[str, int]]:
    """The products behind a customer's personal recommendations, most influential first, as
    ``(product name, number of recommendations it drives)``."""
    counts: Counter = Counter()
    for entry in stored_for_you(user):
        name = entry[4] if len(entry) > 4 else ""
        if name and entry[2] in (personal.BOUGHT, personal.VIEWED):
            counts[name] += 1
    return counts.most_common()


def recommendations_for_customer(user, k: int = 8) -> CustomerRecommendationsView:
    """What ``user`` would be recommended and why; an unknown customer (None) gets the
    non-personal fallback."""
    if user is None or not getattr(user, "pk", None):
        return CustomerRecommendationsView(
            personalized=False, items=personal_or_popular(None, k, personalized=False)
        )
    allowed = bool(may_personalize(user))
    row = CustomerRecommendations.objects.filter(user=user).values_list("updated_at").first()
    last_full = (
        TrainingRun.objects.filter(kind=TrainingRun.Kind.FULL).values_list("started_at").first()
    )
    return CustomerRecommendationsView(
        personalized=allowed,
        items=personal_or_popular(user, k, personalized=allowed),
        stored=personal_or_popular(user, k, personalized=True) if not allowed else [],
        interests=interests(user),
        updated_at=row[0] if row else None,
        last_full_training=last_full[0] if last_full else None,
    )
