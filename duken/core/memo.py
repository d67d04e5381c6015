"""Values read at most once per request.

Data versions kept in the shared cache (the catalog's, the recommendation lists') are read by
several parts of one page; with a network cache each read is a round trip. Inside a request
(``RequestMemoMiddleware``) the first read is remembered until the response is returned;
outside one (commands, tasks, tests calling services) nothing is remembered.

The request being served is kept beside it (``current_request``), so a service deep in the
stack can tell who asked and from where (the audit log does) without being passed the request.
"""

from contextvars import ContextVar

_memo: ContextVar[dict | None] = ContextVar("duken_request_memo", default=None)
_request: ContextVar = ContextVar("duken_current_request", default=None)


def per_request(key: str, compute):
    """``compute()`` once per request for ``key``; every time outside a request."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def forget(key: str) -> None:
    """Drop ``key`` from this request's memo (after the value was changed)."""
    memo = _memo.get()
    if memo is not None:
        memo.pop(key, None)


def start(request=None):
    return _memo.set({}), _request.set(request)


def end(token) -> None:
    memo_token, request_token = token
    _request.reset(request_token)
    _memo.reset(memo_token)


def current_request():
    """The request being served (None outside a request)."""
    return _request.get()
