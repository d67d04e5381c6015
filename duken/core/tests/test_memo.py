"""Values read once per request: the data versions a page reads from the shared cache."""

from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from duken.catalog.caching import VERSION_KEY, bump_catalog_version, catalog_version
from duken.core.middleware import RequestMemoMiddleware


def test_a_page_reads_one_catalog_version_and_the_next_page_the_new_one():
    seen = []

    def view(request):
        seen.append(catalog_version())
        # another server bumps the version while this page renders
        cache.set(VERSION_KEY, seen[0] + 1, None)
        seen.append(catalog_version())
        return HttpResponse("ok")

    middleware = RequestMemoMiddleware(view)
    middleware(RequestFactory().get("/"))
    assert seen[0] == seen[1]  # one page, one version
    middleware(RequestFactory().get("/"))
    assert seen[2] == seen[0] + 1  # the next page sees the change


def test_a_change_made_by_the_request_itself_is_seen_at_once():
    seen = []

    def view(request):
        seen.append(catalog_version())
        bump_catalog_version()
        seen.append(catalog_version())
        return HttpResponse("ok")

    RequestMemoMiddleware(view)(RequestFactory().get("/"))
    assert seen[1] != seen[0]


def test_outside_a_request_every_read_goes_to_the_cache():
    first = catalog_version()
    cache.set(VERSION_KEY, first + 5, None)
    assert catalog_version() == first + 5
