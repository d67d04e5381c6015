"""Malformed requests against every URL of the shop, the way an attacker sends them.

For each route of the URLconf and each visitor, ``Fuzzer`` first asks as a plain visitor would
(a GET, and a POST of plausible fields) and notes which fields the view reads and whether it
reads the raw body. It then sends those fields junk and very long values, malformed query
strings and bodies (invalid, deeply nested and non-finite JSON, binary, broken multipart), and
the path with missing, very long and odd values in its slots; headers and cookies are odd at
random. Every request runs inside a savepoint that is rolled back, so cases are independent,
and the run is deterministic for a given seed. A request fails when it raises, answers 5xx, or
logs an error on ``django.request``.
"""

import logging
import random
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode

from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from .urlconf import admin_object_ids, field_names

# Past SQLite's 50,000-byte limit on a LIKE pattern, and any field's length.
HUGE = "a" * 60_000
# Values that have each broken a view on their own: beyond a database integer, a digit int()
# refuses, a NUL character (PostgreSQL refuses it), a word where a path or a number belongs.
NASTY = ["9" * 40, "²", "a\x00b", "-1", "abc"]
# Up to this many of the fields a view reads get, one field per request, a very long value and
# a nasty one (the others plausible); fewer on the admin's pages, which are Django's own code
# around our configuration and the run's slowest pages.
ONE_BY_ONE = 6
ONE_BY_ONE_ADMIN = 3

JUNK = [
    "", " ", "-1", "0", "x", "abc", "1.5", "1e309", "nan", "inf", "-inf", "9" * 40,
    "true", "null", "[]", "{}", "\x00", "Дүкен日本\u202e💥", "<script>alert(1)</script>",
    "' OR 1=1 --", "%", "%_", "\\", "//evil.example/", "http://evil.example/", "https:evil.example",
    "javascript:alert(1)", "/\\evil.example", "storefront:account", "../../etc/passwd",
    "\r\nSet-Cookie: x=1", "a" * 300, "2026-13-45", "12/99", "4242 4242 4242 4242", "@", "a@b",
    "\t", "𝕏" * 50, "-", "1,2,3", "0x10", "١٢٣", "²", "４２",
]  # fmt: skip

RAW_QUERIES = ["%ZZ=%FF", "a=%E2%82", "&&&==", "q", "page=1&page=2&page=x", ";;;", "%00=%00"]

QUERY_NAMES = ["q", "page", "sort", "o", "p", "next", "limit", "status", "kind", "token"]

ODD_BODIES = [
    (b"a=%FF%FE&next=%E2%82&q=%&", "application/x-www-form-urlencoded"),
    (b'{"a": 1,,}', "application/json"),
    (b'{"a":' * 2000, "application/json"),
    (b"[" * 5000 + b"]" * 5000, "application/json"),
    (b'{"timestamp": "nan", "amount": "inf"}', "application/json"),
    (b'{"timestamp": NaN, "amount": Infinity}', "application/json"),
    (bytes(range(256)) * 2, "application/octet-stream"),
    (bytes(range(255, -1, -1)) * 2, ""),
    (b"--x\r\ngarbage\r\n", "multipart/form-data; boundary=x"),
    (b"--x\r\n", "multipart/form-data"),
    (b"", ""),
]

HEADERS = {
    "HTTP_ACCEPT_LANGUAGE": ["zz", "kk-KZ;q=abc", "*", ",,;;", "ru-RU,ru;q=0.9,en;q=0.8",
                             "x" * 5000, "日本語", "kk;q=nan", "en-" + "a" * 300],
    "HTTP_HX_REQUEST": ["true", "false", "junk"],
    "HTTP_HX_CURRENT_URL": ["http://[::1", "//evil.example/", "Дүкен"],
    "HTTP_HX_TARGET": ["", "💥", "x" * 500],
    "HTTP_REFERER": ["http://[::1", "//evil.example/", "http://testserver/" + "a" * 3000,
                     "http://testserver/?utm_source=%FF&utm_campaign=\x00", "not a url"],
    "HTTP_USER_AGENT": ["", "x" * 5000, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)", "💥"],
    "HTTP_X_FORWARDED_FOR": ["garbage", "1.2.3.4, ::1, x"],
    "HTTP_ORIGIN": ["null", "http://evil.example"],
    "HTTP_ACCEPT": ["application/json", "*/*;q=x", "text/html"],
    "HTTP_IF_MODIFIED_SINCE": ["garbage", "Mon, 99 Foo 2026"],
    "HTTP_IF_NONE_MATCH": ['"x"', "*", "W/"],
    "HTTP_RANGE": ["bytes=5-1", "bytes=abc"],
    "HTTP_X_SANDBOX_SIGNATURE": ["", "00" * 32, "💥"],
    # hosts the settings allow, as a browser may spell them (others get Django's 400)
    "HTTP_HOST": ["localhost", "127.0.0.1:8000", "[::1]", "TESTSERVER"],
}  # fmt: skip

# A formset's own counts keep plausible values: for a huge TOTAL_FORMS Django builds a thousand
# more forms (seconds of work, then its "at most 1000 forms" error), no finding of ours.
_FORMSET_COUNT = re.compile(r"-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$")

COOKIES = ["dk_vid", "dk_consent", "django_language", "duken_chat", "csrftoken", "messages"]


def _as_wsgi(value: str) -> str:
    """A header or cookie value as a WSGI server passes it: its UTF-8 bytes read as latin-1."""
    return value.encode().decode("latin-1")


@dataclass
class Reads:
    """What a view read of a request."""

    fields: set = field(default_factory=set)  # keys of request.GET and request.POST
    body: bool = False  # the raw request.body


@contextmanager
def _recording(reads: Reads):
    """Note every key read from request.GET or request.POST (forms read them too), and whether
    the raw body is read."""
    attrs = ("__getitem__", "get", "getlist")
    own = {attr: QueryDict.__dict__[attr] for attr in attrs if attr in QueryDict.__dict__}
    body = HttpRequest.body

    def recorder(original):
        def read(self, key, *args, **kwargs):
            reads.fields.add(key)
            return original(self, key, *args, **kwargs)

        return read

    def read_body(request):
        reads.body = True
        return body.fget(request)

    for attr in attrs:
        setattr(QueryDict, attr, recorder(getattr(QueryDict, attr)))
    HttpRequest.body = property(read_body)
    try:
        yield
    finally:
        HttpRequest.body = body
        for attr in attrs:
            if attr in own:
                setattr(QueryDict, attr, own[attr])
            else:
                delattr(QueryDict, attr)


@dataclass
class Failure:
    method: str
    path: str
    visitor: str
    reason: str

    def __str__(self):
        return f"{self.visitor} {self.method} {self.path[:160]}: {self.reason[:300]}"


@dataclass
class Report:
    sent: int = 0
    failures: list = field(default_factory=list)

    def summary(self) -> str:
        causes = {}
        for failure in self.failures:
            cause = re.sub(r"\d+", "N", failure.reason.splitlines()[0][:200])
            causes.setdefault(cause, failure)
        lines = [
            f"fuzz: {self.sent} requests, {len(self.failures)} failed (status >= 500 or error)"
        ]
        lines += [f"  {cause}\n    e.g. {example}" for cause, example in causes.items()]
        return "\n".join(lines)


class _ErrorLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def _multipart(data: dict) -> tuple[bytes, str]:
    return encode_multipart(BOUNDARY, data), MULTIPART_CONTENT


def _urlencoded(data: dict) -> tuple[bytes, str]:
    return urlencode(data).encode(), "application/x-www-form-urlencoded"


class Fuzzer:
    """``valid`` maps a route name to real values for its slots (``{"storefront:product":
    {"slug": "red-mug"}}``); ``values`` maps field and slot names to plausible values."""

    def __init__(self, *, seed, valid, values):
        self.seed = seed
        self.valid = valid
        self.values = values
        self.names = field_names()
        self.admin_ids = admin_object_ids()
        self.report = Report()

    # --- paths ---------------------------------------------------------------------------

    def _valid_slot(self, route, slot, kind):
        given = self.valid.get(route.name, {}).get(slot) or self.values.get(slot)
        if given is None and route.name.startswith("admin:"):
            prefix = next((p for p in self.admin_ids if route.name.startswith(p)), None)
            given = self.admin_ids.get(prefix)
        if given is None and kind.startswith("choice:"):
            given = kind.removeprefix("choice:").split("|")[0]
        return str(given if given is not None else "1")

    @staticmethod
    def _invalid_slot(kind, mode, rng):
        if kind == "int":
            return {"missing": "987654", "long": "9" * 40, "odd": "0"}[mode]
        if mode == "missing":
            return "no-such-thing"
        if mode == "long":
            return ("a" * 250 + "/") * 12 if kind == "path" else "z" * 3000
        return rng.choice(["Дүкен-日本\u202e💥", "\x00", "-", "..", "%"])

    def path(self, route, rng, broken=None) -> str:
        """The route's path with real values, or with one slot filled with an invalid value
        (``broken``: "missing", "long" or "odd")."""
        slots = list(route.kinds)
        spoiled = rng.choice(slots) if broken and slots else None
        path = route.template
        for slot in slots:
            kind = route.kinds[slot]
            if slot == spoiled or kind == "any":
                value = self._invalid_slot(kind, broken or "odd", rng)
            else:
                value = self._valid_slot(route, slot, kind)
            path = path.replace(f"<{slot}>", quote(value, safe="/" if kind == "path" else ""), 1)
        return path

    # --- fields ----------------------------------------------------------------------------

    def plausible(self, names) -> dict:
        return {name: self.values.get(name, "1") for name in sorted(names)}

    def junk_form(self, rng, names, junk_rate) -> dict:
        """The fields the view reads, plausible or junk, a few it does not, and a junk next."""
        data = {name: rng.choice(JUNK) for name in rng.sample(self.names, 5)}
        for name, plausible in self.plausible(names).items():
            junk = rng.random() < junk_rate and not _FORMSET_COUNT.search(name)
            data[name] = rng.choice(JUNK) if junk else plausible
        data["next"] = rng.choice(JUNK)
        return data

    def junk_query(self, rng, names) -> str:
        if rng.random() < 0.15:
            return rng.choice(RAW_QUERIES)
        pool = sorted(set(QUERY_NAMES) | names)
        pairs = [(name, rng.choice(JUNK)) for name in rng.sample(pool, min(len(pool), 6))]
        return urlencode(pairs, quote_via=quote)

    @staticmethod
    def headers(rng) -> dict:
        return {
            name: _as_wsgi(rng.choice(values))
            for name, values in HEADERS.items()
            if rng.random() < 0.2
        }

    @staticmethod
    def cookies(rng, visitor) -> dict:
        names = COOKIES if visitor != "anonymous" else [*COOKIES, "sessionid"]
        return {name: _as_wsgi(rng.choice(JUNK)) for name in names if rng.random() < 0.15}

    # --- the schedule ---------------------------------------------------------------------

    def cases(self, route, rng, on_get: Reads, on_post: Reads, *, refused, posts_only):
        """(method, path, query, body, content type) for one visitor of one route, from what
        the view read when asked plainly. A visitor sent to log in gets fewer; a view that reads
        the raw body gets every malformed body."""
        valid = self.path(route, rng)
        fields = on_get.fields | on_post.fields
        yield (
            "POST",
            valid,
            self.junk_query(rng, fields),
            *_multipart(self.junk_form(rng, fields, 1.0)),
        )
        for body in ODD_BODIES if on_post.body else [rng.choice(ODD_BODIES)]:
            yield "POST", valid, "", *body
        if refused:
            return
        yield "POST", valid, "", *_multipart(self.junk_form(rng, fields, 1 / (len(fields) + 1)))
        yield "GET", valid, self.junk_query(rng, fields), b"", ""
        yield "GET", valid, "", *rng.choice(ODD_BODIES)
        limit = ONE_BY_ONE_ADMIN if route.name.startswith("admin:") else ONE_BY_ONE
        for name in _some(rng, on_get.fields, limit):
            for value in (HUGE, rng.choice(NASTY)):
                yield "GET", valid, urlencode({name: value}), b"", ""
        form_fields = on_post.fields | {"next"}
        for name in _some(rng, form_fields, limit):
            for value in (HUGE, rng.choice(NASTY)):
                form = {**self.plausible(form_fields), name: value}
                yield "POST", valid, "", *_urlencoded(form)
        modes = ["missing", "long", "odd"] if route.kinds else []
        if route.name.startswith("admin:") and modes:
            # the admin's views share their object lookup: one broken path each is enough
            modes = [rng.choice(modes)]
        for mode in modes:
            method = "POST" if posts_only else rng.choice(["GET", "POST"])
            yield method, self.path(route, rng, mode), "", *_multipart(self.plausible(fields))

    # --- sending --------------------------------------------------------------------------

    def run(self, visitors: dict, routes) -> Report:
        """``visitors`` maps a name to a logged-in (or anonymous) test client."""
        log = _ErrorLog()
        logger = logging.getLogger("django.request")
        logger.addHandler(log)
        # Malformed input makes thousands of expected warnings (400s, refused cookies); only
        # errors count, and formatting the rest would double the run's time.
        disabled = logging.root.manager.disable
        logging.disable(logging.WARNING)
        try:
            for route in routes:
                for visitor, client in visitors.items():
                    self._walk(route, visitor, client, log)
        finally:
            logging.disable(disabled)
            logger.removeHandler(log)
        return self.report

    def _walk(self, route, visitor, client, log):
        rng = random.Random(f"{self.seed}:{visitor}:{route.template}")
        path = self.path(route, rng)
        # first as a plain visitor would ask, to learn what the view reads
        on_get, on_post = Reads(), Reads()
        with _recording(on_get):
            got = self._send(client, visitor, "GET", path, log)
        with _recording(on_post):
            posted = self._send(client, visitor, "POST", path, log, *_multipart(
                self.plausible(self.names)
            ))  # fmt: skip
        for reads in (on_get, on_post):
            reads.fields.discard("csrfmiddlewaretoken")
        refused = _sent_to_login(got) and _sent_to_login(posted)
        posts_only = got is not None and got.status_code == 405
        cases = self.cases(route, rng, on_get, on_post, refused=refused, posts_only=posts_only)
        for method, path, query, body, content_type in cases:
            url = f"{path}?{query}" if query else path
            odd = {"headers": self.headers(rng), "cookies": self.cookies(rng, visitor)}
            self._send(client, visitor, method, url, log, body, content_type, **odd)

    def _send(self, client, visitor, method, url, log, body=b"", content_type="", **odd):
        saved = {name: morsel.value for name, morsel in client.cookies.items()}
        for name, value in odd.get("cookies", {}).items():
            client.cookies[name] = value
        log.records.clear()
        self.report.sent += 1
        try:
            with transaction.atomic():
                try:
                    return self._request(
                        client, visitor, method, url, log, body, content_type, odd.get("headers")
                    )
                finally:
                    # Undo what the request changed: every case starts from the fixture.
                    transaction.set_rollback(True)
        finally:
            client.cookies = SimpleCookie(saved)

    def _request(self, client, visitor, method, url, log, body, content_type, headers):
        try:
            response = client.generic(
                method, url, data=body, content_type=content_type, **(headers or {})
            )
            if response.streaming:
                # read to the end, which closes the file the way the test client wraps it
                # (closing the response again would end the database connection's transaction)
                response.getvalue()
        except Exception as exc:  # noqa: BLE001 - every unhandled exception is a finding
            self._fail(method, url, visitor, f"{type(exc).__name__}: {exc}")
            return None
        if response.status_code >= 500:
            self._fail(method, url, visitor, f"status {response.status_code}")
        elif log.records:
            self._fail(method, url, visitor, f"logged: {log.records[0].getMessage()}")
        return response

    def _fail(self, method, url, visitor, reason):
        self.report.failures.append(Failure(method, url, visitor, reason))


def _some(rng, names, limit) -> list:
    names = sorted(name for name in names if not _FORMSET_COUNT.search(name))
    return rng.sample(names, min(len(names), limit))


def _sent_to_login(response) -> bool:
    return (
        response is not None
        and response.status_code in (301, 302)
        and "login" in response.get("Location", "")
    )
