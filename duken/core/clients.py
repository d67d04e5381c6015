"""The client's address, also behind a reverse proxy.

Behind a proxy every request comes from the proxy's address, so limits keyed on it would put
all guests in one bucket. The proxies listed in ``DUKEN_TRUSTED_PROXIES`` (addresses or
networks) are believed about who they forward for: the client is the last address in
``X-Forwarded-For`` that is not one of them. Nobody else is believed, so a client cannot choose
its own address by sending the header.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

FORWARDED_HEADER = "HTTP_X_FORWARDED_FOR"


@lru_cache(maxsize=4)
def _networks(entries: tuple[str, ...]):
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def _trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request) -> str:
    """The address the request came from, seen through the trusted proxies ("" if unknown)."""
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    networks = _networks(tuple(getattr(settings, "DUKEN_TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(remote, networks):
        return remote
    forwarded = request.META.get(FORWARDED_HEADER, "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # a garbled header: the proxy's own address, not a guess
    return hops[0] if hops else remote
