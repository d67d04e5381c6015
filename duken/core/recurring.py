"""The registry of recurring work. Each app names its recurring tasks in ``AppConfig.ready()``:

    recurring.register("payments.expire-stale", "duken.payments.tasks.expire_stale_payments_task",
                       every=300)

and every worker turns the registry into ``Schedule`` rows when it starts (``duken.core.scheduler``),
so the rows, not timers in memory, decide what runs when."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Recurring:
    name: str
    task_path: str  # import path of a django-tasks task that takes no arguments
    every: Callable[[], float]  # seconds between runs, read when a worker starts; 0 disables

    def interval_seconds(self) -> int:
        return max(0, round(self.every()))


_registry: dict[str, Recurring] = {}


def register(name: str, task_path: str, *, every: float | Callable[[], float]) -> None:
    """Run ``task_path`` every ``every`` seconds (a number, or a function of the settings,
    e.g. ``lambda: settings.DUKEN_RECS_RETRAIN_HOURS * 3600``). Registering a name again
    replaces it."""
    seconds = every if callable(every) else (lambda: every)
    _registry[name] = Recurring(name=name, task_path=task_path, every=seconds)


def registered() -> list[Recurring]:
    return list(_registry.values())
