"""Staff pages beyond the Django admin: the customer timeline and search, inboxes."""
