"""The shop's URLs as a fuzzer sees them: every pattern as a path template with typed slots, and
the names of the fields its views and forms read."""

import re
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

# The admin's own fields, which no source file of ours names.
ADMIN_FIELDS = [
    "action", "_selected_action", "select_across", "index", "_save", "_continue",
    "_addanother", "post", "_changelist_filters", "_popup", "_to_field", "to_status", "note",
]  # fmt: skip

_REQUEST_KEY = re.compile(
    r"""\b(?:POST|GET)(?:\.get|\.getlist)?\(\s*["']([\w-]+)["']|\b(?:POST|GET)\[\s*["']([\w-]+)"""
)
_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the template when the pattern has no name
    template: str  # "/p/<slug>/": each <slot> is filled by the fuzzer
    kinds: dict  # slot -> "int", "slug", "str", "path", "uuid", "choice:a|b" or "any"


def _template(pattern) -> tuple[str, dict]:
    text = str(pattern)
    if isinstance(pattern, RoutePattern):
        kinds = {m["name"]: m["conv"] or "str" for m in _CONVERTER.finditer(text)}
        return _CONVERTER.sub(lambda m: f"<{m['name']}>", text), kinds
    kinds = {}

    def slot(match):
        body = match["body"]
        kinds[match["name"]] = f"choice:{body}" if "|" in body else "any"
        return f"<{match['name']}>"

    # a regular expression (the admin's app index and catch-all view)
    return _REGEX_GROUP.sub(slot, text).lstrip("^").rstrip("$").replace("\\", ""), kinds


def routes(patterns=None, prefix="/", kinds=None, namespace="") -> list[Route]:
    """Every URL pattern of the URLconf, with its path template."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    found = []
    for pattern in patterns:
        text, own = _template(pattern.pattern)
        merged = {**(kinds or {}), **own}
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
            found += routes(pattern.url_patterns, prefix + text, merged, inner.strip(":"))
        elif isinstance(pattern, URLPattern):
            template = prefix + text
            name = f"{namespace}:{pattern.name}".strip(":") if pattern.name else template
            found.append(Route(name, template, merged))
    return found


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def field_names() -> list[str]:
    """The form fields the shop reads: request.GET/POST keys in the source, the fields of its
    forms (and of Django's auth forms it uses), and the admin's model fields."""
    names = set(ADMIN_FIELDS)
    root = Path(__file__).resolve().parent.parent
    for source in root.rglob("*.py"):
        if "tests" not in source.parts:
            for match in _REQUEST_KEY.finditer(source.read_text(encoding="utf-8")):
                names.add(match[1] or match[2])
    for form in _subclasses(forms.BaseForm):
        if form.__module__.startswith(("duken.", "django.contrib.auth.")):
            names.update(getattr(form, "base_fields", {}))
    for model in admin.site._registry:
        names.update(f.name for f in model._meta.concrete_fields)
    return sorted(names)


def admin_object_ids() -> dict[str, str]:
    """The first row's pk of every admin model, keyed by its URL names' prefix."""
    ids = {}
    for model in admin.site._registry:
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            ids[f"admin:{model._meta.app_label}_{model._meta.model_name}_"] = str(first)
    return ids
