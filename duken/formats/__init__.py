"""Date and time formats for the shop's languages that Django does not ship (Kazakh)."""
