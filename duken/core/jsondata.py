"""JSON a client sent: every document a database JSON column could not keep, or Python could not
write back, is a ``ValueError``, as ``json.loads`` raises for a syntax error."""

import json
import math

# Deeper than any message the shop receives; json.dumps (saving to a JSON column) recurses
# once per level, closer to Python's recursion limit than the decoder was.
MAX_DEPTH = 64


def loads(data):
    """``json.loads`` that also refuses, with ``ValueError``: nesting deeper than ``MAX_DEPTH``
    (far deeper, the decoder itself raises ``RecursionError``); the non-finite numbers
    (``NaN``, ``Infinity``, ``1e999``) Python accepts but JSON has not, which pass every
    comparison unnoticed; and text holding a NUL character (``\\u0000``), which PostgreSQL's
    JSON columns refuse."""
    try:
        document = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    _check(document)
    return document


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text):
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


def _check(document) -> None:
    """Depth and NUL characters, walked without recursion."""
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError("JSON text holds a NUL character")
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise ValueError("JSON nested too deeply")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                pending.append((item, depth + 1))
                if isinstance(key, str):
                    pending.append((key, depth))
