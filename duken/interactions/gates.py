"""Decisions about recording that belong to the privacy app, which fills them in from its
``AppConfig.ready()``; the interaction log, a floor below it, never imports it.

Each gate has a safe default for when nothing is registered (keep nothing optional, refuse
nothing the customer has not asked about):

- ``analytics_allowed(request) -> bool``: may this visitor's analytics events be kept?
- ``refuses(user, event) -> bool``: did the customer ask never to be remembered for this?
- ``unwanted(rows) -> list[bool]``: of rows about to be written (events, stored searches),
  which must not be stored for their customer (a forget made meanwhile, or a wish)?
- ``covered(user, history) -> list[int]``: the ids among a visitor's events before they logged
  in (a queryset) that the customer's wishes cover (deleted rather than joined to the account)
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Gates:
    analytics_allowed: Callable = lambda request: False
    refuses: Callable = lambda user, event: False
    unwanted: Callable = lambda rows: [False] * len(rows)
    covered: Callable = lambda user, history: []


gates = _Gates()


def register(**decisions) -> None:
    """Fill in gates by name, e.g. ``register(analytics_allowed=has_analytics_consent)``."""
    for name, decision in decisions.items():
        if not hasattr(gates, name):
            raise TypeError(f"no gate named {name!r}")
        setattr(gates, name, decision)
