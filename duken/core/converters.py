"""Path converters for the shop's URLs (registered in ``CoreConfig.ready``)."""

from django.urls.converters import StringConverter


class TextConverter(StringConverter):
    """A path segment as ``str`` matches it, but never one holding a NUL byte: no page has one,
    and PostgreSQL refuses to look up a text with it (a server error, not a 404)."""

    regex = r"[^/\x00]+"
