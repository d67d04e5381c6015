"""Where a request came from and on what device: worked out once per request, only when an
event is recorded."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from .models import Device

REQUEST_ATTR = "_dk_interaction_context"

# Device rule, checked in this order on the lower-cased User-Agent:
# 1. bot: empty, or contains a crawler/tool marker (BOT_MARKERS);
# 2. tablet: "ipad", "tablet", or "android" without "mobile" (Android tablets omit it);
# 3. mobile: "mobi" (Mobile/Mobi), "iphone", "ipod", "android", "windows phone";
# 4. desktop: everything else.
BOT_MARKERS = (
    "bot",
    "crawl",
    "spider",
    "slurp",
    "curl/",
    "wget/",
    "python-",
    "httpclient",
    "headless",
    "lighthouse",
    "facebookexternalhit",
)


def device_class(user_agent: str) -> str:
    ua = (user_agent or "").lower()
    if not ua or any(marker in ua for marker in BOT_MARKERS):
        return Device.BOT
    if "ipad" in ua or "tablet" in ua or ("android" in ua and "mobile" not in ua):
        return Device.TABLET
    if any(marker in ua for marker in ("mobi", "iphone", "ipod", "android", "windows phone")):
        return Device.MOBILE
    return Device.DESKTOP


@dataclass(frozen=True)
class RequestContext:
    referrer_domain: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    device: str


def referrer_domain(referer: str, own_host: str) -> str:
    """The referring site's host; empty for a direct visit or a link within the shop."""
    try:
        host = (urlsplit(referer or "").hostname or "").lower()
    except ValueError:
        return ""
    own = own_host.split(":", 1)[0].lower()
    if not host or host == own:
        return ""
    return host[:255]


def for_request(request) -> RequestContext:
    cached = getattr(request, REQUEST_ATTR, None)
    if cached is not None:
        return cached
    try:
        own_host = request.get_host()
    except Exception:  # DisallowedHost: the page itself will answer 400
        own_host = ""
    get = request.GET
    context = RequestContext(
        referrer_domain=referrer_domain(request.META.get("HTTP_REFERER", ""), own_host),
        utm_source=(get.get("utm_source") or "")[:100],
        utm_medium=(get.get("utm_medium") or "")[:100],
        utm_campaign=(get.get("utm_campaign") or "")[:100],
        device=device_class(request.META.get("HTTP_USER_AGENT", "")),
    )
    setattr(request, REQUEST_ATTR, context)
    return context
