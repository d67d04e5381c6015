"""JSON a client sent: every malformed document is a ``ValueError``, as ``json.loads`` raises
for a syntax error."""

import json
import math


def loads(data):
    """``json.loads`` that also refuses, with ``ValueError``: nesting deeper than Python's
    recursion limit (the decoder raises ``RecursionError`` there), and the non-finite numbers
    (``NaN``, ``Infinity``, ``1e999``) Python accepts but JSON has not, which no database JSON
    column stores and which pass every comparison unnoticed."""
    try:
        return json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text):
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number
