"""Waiting on processes in tests: polling a condition, and reading Linux's /proc for a process's
state, parent and process group (the tests that kill refreshes and dbt runs need them)."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple


class ProcStat(NamedTuple):
    pid: int
    state: str  # "R", "S", ... "Z" for a zombie (exited, holds no files, not yet reaped)
    ppid: int
    pgrp: int


def wait_for(cond: Callable[[], object], what: str, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def stat_of(pid: int) -> ProcStat | None:
    """The process's /proc stat fields, or None when it no longer exists."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # after "pid (comm)": comm may hold spaces
    return ProcStat(pid, fields[0], int(fields[1]), int(fields[2]))


def processes() -> Iterator[ProcStat]:
    for entry in Path("/proc").glob("[0-9]*"):
        if (stat := stat_of(int(entry.name))) is not None:  # None: it exited while being listed
            yield stat


def children_of(pid: int) -> list[int]:
    return [p.pid for p in processes() if p.ppid == pid]


def live_in_group(pgid: int) -> list[int]:
    """The processes of group `pgid` that have not exited (zombies excluded)."""
    return [p.pid for p in processes() if p.pgrp == pgid and p.state != "Z"]


def is_gone(pid: int) -> bool:
    """Exited: no longer listed, or a zombie."""
    stat = stat_of(pid)
    return stat is None or stat.state == "Z"
