"""RQ's worker (used when ``REDIS_URL`` is set), with Duken's upkeep thread beside it: the
heartbeat and the scheduler. Reaping is RQ's own: the worker that holds a queue's maintenance
lock moves jobs whose worker stopped answering out of the StartedJobRegistry (see the README)."""

from rq.worker import Worker as RQWorker

from . import upkeep


class Worker(RQWorker):
    def work(self, *args, **kwargs):
        with upkeep.running(self.name, reap=False):
            return super().work(*args, **kwargs)
