"""The embedded default's cache: one cache on local disk that every process of the
installation shares (web workers, the WebSocket server, the task worker), so a price change, a
forgotten item or a flood limit is seen by all of them at once. Production uses Redis instead
(``REDIS_URL``)."""

from diskcache import DjangoCache


class SharedDiskCache(DjangoCache):
    """diskcache's Django backend (SQLite files in shards, safe across processes and threads)
    that keeps its connections open between requests: Django closes every cache after each
    request, and reopening the shards costs more than the lookups a page makes."""

    def close(self, **kwargs):
        pass
