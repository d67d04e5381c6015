"""The thread every worker process runs beside its task loop: it writes the worker's heartbeat,
runs the scheduler, and (on the database queue) reaps tasks whose worker died. It has its own
database connection and never waits on the task loop, so a long task never delays a heartbeat;
a failing step is logged and tried again on the next beat."""

import logging
import threading
import time
from contextlib import contextmanager

from django.db import close_old_connections, connections

from . import scheduler, workers

logger = logging.getLogger(__name__)


class Upkeep(threading.Thread):
    def __init__(self, worker_id: str, *, reap: bool):
        super().__init__(name="duken-worker-upkeep", daemon=True)
        self.worker_id = worker_id
        self.reap = reap
        self.stopping = threading.Event()

    def run(self):
        try:
            self._safely(workers.beat, self.worker_id)
            self._safely(scheduler.sync_schedules)
            next_sweep = 0.0
            while True:
                close_old_connections()
                self._safely(workers.beat, self.worker_id)
                if time.monotonic() >= next_sweep:
                    if self.reap:
                        self._safely(workers.reap_abandoned)
                    self._safely(workers.forget_gone_workers)
                    next_sweep = time.monotonic() + workers.reap_seconds()
                self._safely(scheduler.tick)
                if self.stopping.wait(workers.beat_seconds()):
                    return
        finally:
            connections.close_all()

    @staticmethod
    def _safely(step, *args):
        try:
            step(*args)
        except Exception:
            logger.exception("worker upkeep: %s failed", step.__name__)


@contextmanager
def running(worker_id: str, *, reap: bool):
    """Run the upkeep thread for the worker ``worker_id`` while the block runs."""
    upkeep = Upkeep(worker_id, reap=reap)
    upkeep.start()
    try:
        yield upkeep
    finally:
        upkeep.stopping.set()
        upkeep.join(timeout=workers.beat_seconds() + 5)
