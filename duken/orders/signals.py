"""What orders announce, for the apps above them to react to (recommendations now; marketing
and analytics later) without the orders app knowing them. Both are sent inside the transaction
of the change: a receiver that starts work elsewhere does it in ``transaction.on_commit``.

- ``order_placed``: ``order`` was just written.
- ``order_status_changed``: ``order`` moved ``from_status`` -> ``to_status`` (an event was
  written on its timeline).
"""

from django.dispatch import Signal

order_placed = Signal()
order_status_changed = Signal()
