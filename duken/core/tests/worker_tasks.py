"""Tasks that exist only for the worker's tests; real worker processes import them by path."""

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def wait_for_release(folder: str) -> int:
    """Note each start in ``folder``, then wait until the test creates ``folder/release``.
    Returns how many times the task was started."""
    where = Path(folder)
    (where / f"started-{os.getpid()}").touch()
    deadline = time.monotonic() + 60
    while not (where / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("never released")
        time.sleep(0.05)
    return len(list(where.glob("started-*")))


@task()
def noop() -> str:
    return "done"
