"""Where dbt's console goes during a refresh: the run's folder, not the refresh's stdout."""
import contextlib
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")
CONSOLE_LOG = "dbt_console.log"


def stdout_to(sink: TextIO, events: Iterable[T]) -> Iterator[T]:
    """Yield ``events`` with the process's stdout sent to ``sink`` while each one is produced.

    dagster-dbt echoes every line of dbt's console to stdout; the refresh's stdout is for its
    own per-month summary, so the echo goes to the run's folder instead (next to dbt.log). Only
    the production of each event is redirected: whatever the consumer prints stays on stdout."""
    it = iter(events)
    while True:
        with contextlib.redirect_stdout(sink):
            try:
                event = next(it)
            except StopIteration:
                return
        yield event
