"""What was altered: a receipt file's document against the one the shop signed, named field by
field in the reader's language ("total changed from 12 500 ₸ to 1 250 ₸", "a line was added")."""

import difflib
import json
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duken.core.money import CURRENCY_PRECISION, format_money

LABELS = {
    "version": gettext_lazy("format version"),
    "order": gettext_lazy("order number"),
    "issued_at": gettext_lazy("time of issue"),
    "paid_at": gettext_lazy("time of payment"),
    "currency": gettext_lazy("currency"),
    "subtotal": gettext_lazy("goods total"),
    "delivery.method": gettext_lazy("delivery method"),
    "delivery.cost": gettext_lazy("delivery cost"),
    "total": gettext_lazy("total"),
    "payment_method": gettext_lazy("payment method"),
    "shop.name": gettext_lazy("shop's name"),
    "shop.bin": gettext_lazy("shop's BIN"),
    "shop.address": gettext_lazy("shop's address"),
    "shop.url": gettext_lazy("shop's website"),
}
LINE_LABELS = {
    "name": gettext_lazy("name"),
    "sku": gettext_lazy("SKU"),
    "quantity": gettext_lazy("quantity"),
    "unit_price": gettext_lazy("price"),
    "total": gettext_lazy("sum"),
}
AMOUNTS = {"subtotal", "delivery.cost", "total", "unit_price"}


def _show(value, field: str, currency) -> str:
    """A value as a reader expects it: amounts in tenge, text as it is, anything else as JSON."""
    if field in AMOUNTS and isinstance(value, str) and currency in CURRENCY_PRECISION:
        try:
            return format_money(Decimal(value), currency)
        except (InvalidOperation, ValueError):
            pass
    if isinstance(value, str):
        return f"“{value}”" if value else _("(empty)")
    return json.dumps(value, ensure_ascii=False)


def _changed(label, before, after, field, currency) -> str:
    return _("%(field)s changed from %(before)s to %(after)s") % {
        "field": label,
        "before": _show(before, field, currency),
        "after": _show(after, field, currency),
    }


def _flatten(document: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in document.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and path in ("delivery", "shop"):
            flat.update(_flatten(value, path + "."))
        elif path != "lines":
            flat[path] = value
    return flat


def _fields(original: dict, altered: dict, currency) -> list[str]:
    before, after = _flatten(original), _flatten(altered)
    found = []
    for path in sorted(before.keys() | after.keys()):
        label = LABELS.get(path, path)
        if path not in after:
            found.append(_("%(field)s was removed") % {"field": label})
        elif path not in before:
            found.append(_("“%(field)s” was added") % {"field": label})
        elif before[path] != after[path]:
            found.append(_changed(label, before[path], after[path], path, currency))
    return found


def _line_text(line, currency) -> str:
    if not isinstance(line, dict):
        return _show(line, "", currency)
    quantity = _show(line.get("quantity"), "quantity", currency)
    return f"{line.get('name', '?')} × {quantity} = {_show(line.get('total'), 'total', currency)}"


def _line_changes(number: int, before, after, currency) -> list[str]:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [_("line %(number)s was replaced") % {"number": number}]
    found = []
    for field in sorted(before.keys() | after.keys()):
        if before.get(field) != after.get(field):
            found.append(
                _("line %(number)s (%(name)s): %(change)s")
                % {
                    "number": number,
                    "name": before.get("name", "?"),
                    "change": _changed(
                        LINE_LABELS.get(field, field),
                        before.get(field, ""),
                        after.get(field, ""),
                        field,
                        currency,
                    ),
                }
            )
    return found


def _lines(original, altered, currency) -> list[str]:
    if altered is None:
        return [_("the lines were removed")]
    if not isinstance(altered, list):
        return [_("the lines were replaced by something that is not a list of lines")]
    before = original if isinstance(original, list) else []
    after = altered

    def key(line):
        return json.dumps(line, sort_keys=True, ensure_ascii=False)

    found = []
    matcher = difflib.SequenceMatcher(a=[key(x) for x in before], b=[key(x) for x in after])
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(paired):
            found += _line_changes(i1 + k + 1, before[i1 + k], after[j1 + k], currency)
        for line in before[i1 + paired : i2]:
            found.append(_("a line was removed: %(line)s") % {"line": _line_text(line, currency)})
        for line in after[j1 + paired : j2]:
            found.append(_("a line was added: %(line)s") % {"line": _line_text(line, currency)})
    return found


def describe(original: dict, altered: dict) -> list[str]:
    """Every difference between the signed ``original`` and ``altered``, one sentence each."""
    currency = original.get("currency")
    return _fields(original, altered, currency) + _lines(
        original.get("lines"), altered.get("lines"), currency
    )
