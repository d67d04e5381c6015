import pytest

from duken.interactions.context import device_class, referrer_domain


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        ("", "bot"),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "bot"),
        ("curl/8.5.0", "bot"),
        ("Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0 Safari/537.36", "bot"),
        ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15", "tablet"),
        ("Mozilla/5.0 (Linux; Android 14; SM-X910) AppleWebKit/537.36 Safari/537.36", "tablet"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari", "mobile"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148", "mobile"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0", "desktop"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15", "desktop"),
    ],
)
def test_the_device_class_follows_the_documented_rule(user_agent, device):
    assert device_class(user_agent) == device


@pytest.mark.parametrize(
    ("referer", "domain"),
    [
        ("https://www.google.kz/search?q=mug", "www.google.kz"),
        ("https://shop.example/product/mug/", ""),  # a link within the shop
        ("", ""),
        ("not a url", ""),
        ("http://[broken", ""),
    ],
)
def test_the_referrer_domain_is_another_sites_host(referer, domain):
    assert referrer_domain(referer, "shop.example:443") == domain
