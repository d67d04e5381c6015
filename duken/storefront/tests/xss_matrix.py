"""The cross-site scripting attack matrix: what it sends, where it looks, how it judges.

A *field* is a text a customer, a guest or staff can fill, sent through the real form or
endpoint (a browser-like client: CSRF enforced, the token read from the cookie as a form
carries it). Each field names the *pages* that display what was sent (which visitor opens
which URL) and the *e-mails* (the outbox's stored HTML) that quote it. Every page and e-mail
must show the payload as text, and none may carry it as markup: no element, attribute, event
handler or ``javascript:`` link of the attacker's.
"""

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.conf import settings
from django.test import Client, TestCase

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "textarea": "</textarea><svg onload=alert(1)>",
    "template": "{{7*7}}",
    "link": "javascript:alert(1)",
}
# An address field's payloads: a quoted local part (RFC 5321) takes markup and still is an
# address the shop accepts.
EMAIL_PAYLOADS = {
    "script": '"<script>alert(1)</script>"@example.com',
    "attribute": '"\\"><img/src=x/onerror=alert(1)>"@example.com',
    "template": "{{7*7}}@example.com",
}

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}


class _Page(HTMLParser):
    """The text a reader sees, the attribute values, and anything that would run."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.attributes: list[str] = []
        self.injected: list[str] = []
        self._script = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            self.attributes.append(value)
            if name.startswith(("on", "hx-on", "data-hx-on")):
                self.injected.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith(
                ("javascript:", "vbscript:", "data:text/html")
            ):
                self.injected.append(f"<{tag} {name}={value!r}>")
        if tag in {"svg", "img", "iframe", "object", "embed"} and any(
            (v or "") == "x" for n, v in attrs if n == "src"
        ):
            self.injected.append(f"<{tag}> of the attacker's")
        if tag == "script":
            self._script = dict(attrs)
            self.texts.append("")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            kind = (self._script.get("type") or "").lower()
            if kind == "application/json":
                # json_script: the data is JSON, its strings what the page's scripts read
                self.texts.extend(_json_strings(data))
            elif "alert(1)" in data:
                self.injected.append(f"<script> with {data[:80]!r}")
            return
        self.texts.append(data)


def _json_strings(data) -> list[str]:
    try:
        value = json.loads(data)
    except ValueError:
        return [data]
    found = []

    def walk(item):
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            for key in item.values():
                walk(key)
        elif isinstance(item, list):
            for one in item:
                walk(one)

    walk(value)
    return found


@dataclass
class Verdict:
    shown: bool
    injected: list = field(default_factory=list)


def judge(html: str, payload: str) -> Verdict:
    """Whether ``html`` shows ``payload`` as text (or as an attribute's value, as a form field
    keeps what was typed), and what in it would run."""
    page = _Page()
    page.feed(html)
    page.close()
    text = " ".join(" ".join(page.texts).split())
    shown = payload in text or any(payload in value for value in page.attributes)
    return Verdict(shown=shown, injected=page.injected)


def judge_json(body: str, payload: str) -> Verdict:
    """A JSON answer: the payload is a string value; a script inserts it as text."""
    return Verdict(shown=payload in _json_strings(body))


class Browser:
    """A test client that checks CSRF as a browser's requests meet it, and sends forms with the
    token the page's cookie holds."""

    def __init__(self, user=None, *, staff=False):
        self.client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
        if user is not None and staff:
            from duken.testing.accounts import login_verified

            login_verified(self.client, user)
        elif user is not None:
            self.client.force_login(user)

    def get(self, url, **extra):
        return self.client.get(url, **extra)

    def token(self, page) -> str:
        if settings.CSRF_COOKIE_NAME not in self.client.cookies:
            self.client.get(page)
        if settings.CSRF_COOKIE_NAME not in self.client.cookies:
            self.client.get("/tell-us/")  # a page with a form, for any visitor
        return self.client.cookies[settings.CSRF_COOKIE_NAME].value

    def post(self, url, data, *, page=None, **extra):
        """POST the form of ``page`` (by default the URL itself) to ``url``. What the request
        does after its transaction commits (e-mails, tasks) runs, as in the shop."""
        self.client.get(page or url)
        data = {**data, "csrfmiddlewaretoken": self.token(page or url)}
        with TestCase.captureOnCommitCallbacks(execute=True):
            return self.client.post(url, data, **extra)

    def post_json(self, url, data, token):
        """A script's POST with the token in its header (the chat)."""
        with TestCase.captureOnCommitCallbacks(execute=True):
            return self.client.post(url, data, HTTP_X_CSRFTOKEN=token)


class _Form(HTMLParser):
    """The fields of a page's form as a browser would send them (the admin's change form)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data: list[tuple[str, str]] = []
        self._textarea = None
        self._select = None
        self._selected = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.data.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select, self._selected = name, False
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))
            self._selected = True

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea:
            name, value = self._textarea
            self.data.append((name, value.removeprefix("\r").removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def admin_form(html: str, form_id: str) -> dict:
    parser = _Form(form_id)
    parser.feed(html)
    data = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}
