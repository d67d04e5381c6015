"""The interaction log: what customers and visitors do in the shop, one ``Event`` per action.

Record with ``services.record(request, kind, obj=..., properties=...)``; read a customer's own
timeline with ``services.events_for(user)``. The visitor id comes from ``visitor.visitor_id``."""
