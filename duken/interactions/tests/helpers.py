"""Reading the event log from a test while a live server's writer thread may be writing."""

import time

from django.db import OperationalError

from duken.interactions import buffer


def count_written(events) -> int:
    """``events.count()`` once what is buffered is written. With SQLite's shared in-memory test
    database a read during another thread's write fails at once ("table is locked") instead
    of waiting, so this waits for the writer thread to be idle and reads again if a new batch
    got in first."""
    for _attempt in range(20):
        buffer.wait_idle()
        buffer.flush()
        try:
            return events.count()
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.05)
    return events.count()
