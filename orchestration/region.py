"""`ascw refresh-region`: the monthly refresh for every council of a region, in one process.

Regional benchmarking (the SWADASS and Use of Resources comparisons in the councils' documents)
runs the same refresh for many councils. Each council keeps what `ascw refresh` gives it: its
own landing folder, warehouse and exports, so a bad extract blocks only its own council and one
council's refresh never waits on another's lock. What is shared is the start-up: one `ascw
refresh` process per council pays ~5 s of imports (Dagster, dagster-dbt, Great Expectations,
pandas) and ~1.5 s of start and exit before any work. This runner imports once, then forks one
child per council, `jobs` at a time; every child inherits the imported modules and runs exactly
the refresh `ascw refresh` runs (`orchestration.cli.refresh`), with its output in its own log.

Layout (what `ascw-generate --councils N` writes):

    <landing root>/<council>/YYYY-MM/...      one landing folder per council
    <work>/<council>/warehouse/ascw.duckdb    its warehouse (dbt, DQ reports, Parquet beside it)
    <work>/<council>/exports/YYYY-MM/         its published packs
    <work>/<council>/refresh.log              that refresh's progress lines and summary

The council code is taken from each council's extracts, as `ascw refresh` does without
`--council`. Forking needs a POSIX system (Linux, macOS); `ascw refresh` per council works
everywhere.

With `shared` (the default, `--build shared`) the councils share one dbt build
(orchestration/shared_build.py): each council's child runs the "sources" stage of the job (load,
source gates); the councils with a month open for dbt are combined into `<work>/_region/` (kept
between runs: the region build's incremental state) and built once; then each council's child runs the "models" stage, adopting its rows of that build
(or, when the build was not clean, running its own dbt build, as `ascw refresh` would). A council
whose month folders are not one contiguous run is refreshed whole in its first child (each run
of months is built before the next is loaded, as `ascw refresh` does). Its log and seconds cover
both its children.

The councils share one store of Great Expectations' verdicts on values, `<work>/_gx_verdicts/`
(orchestration/gates/verdict_store.py): a code, a flag or a date GX judged for one council is
not judged again for the next (values only, never rows; like `_region/`, it holds the region's
councils' data together).
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.months import parse_month
from orchestration.settings import Settings

if TYPE_CHECKING:
    from orchestration.shared_build import SharedBuild

LOG_NAME = "refresh.log"
VERDICTS_FOLDER = "_gx_verdicts"  # the councils' shared GX verdicts (orchestration/gates/verdict_store.py)
OUTCOMES = {0: "published", 1: "blocked", 2: "usage error", 3: "warehouse busy"}  # else: exit N (128+N: signal N)


@dataclass(frozen=True)
class CouncilRun:
    """One council's refresh within a region run."""

    name: str  # the landing folder's name (the council code when generated)
    landing: Path
    work: Path

    @property
    def log(self) -> Path:
        return self.work / LOG_NAME

    def settings(self, base: Settings) -> Settings:
        """The council's paths; its code always from its own extracts (never a shared one)."""
        return replace(
            base,
            landing=self.landing,
            warehouse=self.work / "warehouse" / "ascw.duckdb",
            exports=self.work / "exports",
            council=None,
        )


@dataclass(frozen=True)
class CouncilResult:
    name: str
    code: int
    seconds: float
    log: Path

    @property
    def outcome(self) -> str:
        return OUTCOMES.get(self.code, f"exit {self.code}")


def council_runs(landing_root: Path, work: Path) -> list[CouncilRun]:
    """One run per sub-folder of `landing_root` that holds month folders (YYYY-MM), by name."""
    from orchestration.landing_watch import month_folders

    if not landing_root.is_dir():
        return []
    return [
        CouncilRun(p.name, p.resolve(), (work / p.name).resolve())
        for p in sorted(landing_root.iterdir())
        if p.is_dir() and month_folders(p)
    ]


def earliest_month(month_lists: list[list[str]], default: str) -> str:
    """The first month any council's refresh covers, or `default` when that is earlier:
    the monthly partitions (fixed at import, before the fork) must start no later."""
    firsts = [months[0] for months in month_lists if months] + [default]
    return min(firsts, key=parse_month)


def _refresh_one(run: CouncilRun, base: Settings, months: list[str], stage: str = "all",
                 env: dict[str, str] | None = None) -> CouncilResult:
    """In the forked child: the council's refresh (or one stage of it, with `env` set), stdout
    and stderr (and dbt's, a grandchild) sent to its log (appended to by the "models" stage)."""
    from orchestration import progress
    from orchestration.cli import contiguous_runs, refresh

    started = time.monotonic()
    progress.restart_clock()
    run.work.mkdir(parents=True, exist_ok=True)
    os.environ.update(env or {})
    if stage == "sources" and len(contiguous_runs(months)) > 1:
        stage = "all"
    sys.stdout.flush()
    sys.stderr.flush()
    with open(run.log, "a" if stage == "models" else "w", encoding="utf-8") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            code = refresh(run.settings(base), months, stage)
        except Exception:  # noqa: BLE001 -- reported in the log, counted as a failed council
            import traceback

            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            atexit._run_exitfuncs()  # the child leaves by os._exit: run the handlers refresh relies on
    return CouncilResult(run.name, code, time.monotonic() - started, run.log)


Child = Callable[[CouncilRun, Settings, list[str]], CouncilResult]


def _child_main(child: Child, run: CouncilRun, base: Settings, months: list[str], send: Connection) -> None:
    send.send(child(run, base, months))
    send.close()


def run_forked(runs: list[CouncilRun], months_of: dict[str, list[str]], base: Settings, jobs: int,
               child: Child = _refresh_one) -> list[CouncilResult]:
    """`child` for every council in a process forked from this one, at most `jobs` at a time.
    A child that dies without a result (killed, out of memory) is reported with exit code
    128 + its signal, and the others carry on. Results in the order of `runs`."""
    context = multiprocessing.get_context("fork")
    queue = list(runs)
    running: dict[int, tuple[multiprocessing.process.BaseProcess, Connection, CouncilRun, float]] = {}
    results: dict[str, CouncilResult] = {}
    while queue or running:
        while queue and len(running) < max(jobs, 1):
            run = queue.pop(0)
            receive, send = context.Pipe(duplex=False)
            proc = context.Process(target=_child_main, args=(child, run, base, months_of[run.name], send),
                                   name=f"ascw-{run.name}")
            proc.start()
            send.close()
            running[proc.sentinel] = (proc, receive, run, time.monotonic())
        for sentinel in wait(list(running)):
            proc, receive, run, started = running.pop(sentinel)  # type: ignore[index]
            try:
                result = receive.recv() if receive.poll() else None
            except EOFError:  # died before sending
                result = None
            proc.join()
            receive.close()
            if result is None:
                code = proc.exitcode or 1
                result = CouncilResult(run.name, 128 - code if code < 0 else code, time.monotonic() - started, run.log)
            results[run.name] = result
    return [results[r.name] for r in runs]


def refresh_region(
    runs: list[CouncilRun], months_of: dict[str, list[str]], base: Settings, jobs: int, shared: bool = True
) -> list[CouncilResult]:
    """Refresh every council, `jobs` at a time, each in a child forked from this process once
    the refresh's modules are imported; with `shared`, one dbt build for all of them.
    Results in the order of `runs`."""
    os.environ["ASCW_START_MONTH"] = earliest_month(list(months_of.values()), base.start_month)
    os.environ.pop("ASCW_COUNCIL", None)  # each council's code comes from its extracts
    if runs:  # GX's verdicts on values, shared: most of a council's values were judged for another
        from orchestration.gates.verdict_store import ENV

        os.environ.setdefault(ENV, str(runs[0].work.parent / VERDICTS_FOLDER))
    # Import what every refresh imports (4-5 s), once, before forking; parse the dbt project
    # here when it has no manifest yet, rather than in every child at once.
    from orchestration.dbt_manifest import ensure_manifest
    from orchestration.defs.resources import dbt_project

    ensure_manifest(dbt_project)
    import_lazy_modules()

    from orchestration.dbt_forkserver import running

    # A fresh fork per council: no state of one refresh leaks into the next. One dbt fork
    # server for the whole region: dbt is imported once, not once per council.
    with running():
        if not shared:
            return run_forked(runs, months_of, base, jobs)
        return _refresh_shared(runs, months_of, base, jobs)


# What a refresh imports only when it runs (Dagster's run machinery and its in-memory instance,
# with SQLAlchemy and Alembic; openpyxl for the pack): ~350 modules, ~0.5 s of CPU in every child.
LAZY_MODULES = (
    "orchestration.definitions",
    "orchestration.gates.gx_runner",
    "orchestration.pack.publish",
    "dagster._core.instance.factory",
    "dagster._core.storage.event_log",
    "dagster._core.storage.runs",
    "dagster._core.storage.root",
    "dagster._core.storage.noop_compute_log_manager",
    "dagster._core.launcher.sync_in_memory_run_launcher",
    "dagster._core.run_coordinator",
    "dagster._core.execution.execute_in_process",
    "dagster._core.executor.in_process",
    "dagster._core.execution.plan.active",
    "dagster._core.instance.runs.run_domain",
    "dagster._core.secrets.loader",
    "dagster._core.storage.schedules.sqlite.sqlite_schedule_storage",
    "dagster._core.system_config.composite_descent",
    "dagster._core.definitions.repository_definition.repository_data_builder",
    "dagster._core.definitions.external_asset",
    "upath.implementations.local",
    "dagster._core.storage.migration.utils",
    "openpyxl.packaging.extended",
    "encodings.cp437",
    "encodings.utf_8_sig",
)


def import_lazy_modules() -> None:
    """Import, before forking, what each council's refresh would otherwise import itself."""
    import importlib

    for name in LAZY_MODULES:
        importlib.import_module(name)


def _refresh_shared(
    runs: list[CouncilRun], months_of: dict[str, list[str]], base: Settings, jobs: int,
    child: Callable[..., CouncilResult] = _refresh_one,
    warehouses_of: Callable[[list[CouncilRun], Settings], dict[str, Path]] | None = None,
    builder: Callable[[Path, dict[str, Path], Path], tuple[SharedBuild | None, str]] | None = None,
) -> list[CouncilResult]:
    """Sources stage per council, one region dbt build, models stage per council (adopting the
    build when it is clean, else each its own build). `child`, `warehouses_of` and `builder` are
    the real ones unless a test passes its own."""
    from orchestration.cli import STAGED
    from orchestration.progress import progress
    from orchestration.settings import DBT_PROJECT_DIR
    from orchestration.shared_build import build_region

    staged = run_forked(runs, months_of, base, jobs, child=partial(child, stage="sources"))
    results = {r.name: r for r in staged}
    ready = [run for run in runs if results[run.name].code == STAGED]
    if not ready:
        return staged
    warehouses = (warehouses_of or council_warehouses)(ready, base)
    work = runs[0].work.parent
    progress("region", f"one dbt build for {len(warehouses)} council(s) in {work / '_region'}")
    try:
        build, why = (builder or build_region)(work, warehouses, DBT_PROJECT_DIR)
    except Exception as exc:  # noqa: BLE001 -- e.g. a disk full while combining: each builds its own
        build, why = None, f"the region build failed ({type(exc).__name__}: {exc})"
    progress("region", why if build else f"{why}: each council builds its own")
    adopting = [run for run in ready if build is not None and run.settings(base).warehouse in warehouses.values()]
    finished = run_forked(adopting, months_of, base, jobs,
                          child=partial(child, stage="models", env=build.env() if build else {}))
    own = [run for run in ready if run not in adopting]
    finished += run_forked(own, months_of, base, jobs, child=partial(child, stage="models"))
    for result in finished:
        results[result.name] = replace(result, seconds=result.seconds + results[result.name].seconds)
    return [results[run.name] for run in runs]


def council_warehouses(runs: list[CouncilRun], base: Settings) -> dict[str, Path]:
    """Council code (from its extracts) -> warehouse, for a region build; a code met twice
    (two landing folders of one council) keeps only its first, the other builds on its own.
    A warehouse another process holds for writing (a second refresh, an analyst's read-write
    session) is left out, with a line saying so: that council's "models" stage then runs on its
    own and reports the warehouse busy (exit 3) as `ascw refresh` would, or builds if it is free
    by then; the other councils' build does not wait for it."""
    from orchestration.defs.resources import WarehouseBusy, council_of_extracts, open_warehouse
    from orchestration.progress import progress

    out: dict[str, Path] = {}
    for run in runs:
        path = run.settings(base).warehouse
        try:
            con = open_warehouse(path, read_only=True)
        except WarehouseBusy as exc:
            progress("region", f"{run.name} left out of the region build: {exc}")
            continue
        try:
            out.setdefault(council_of_extracts(con), path)
        finally:
            con.close()
    return out


def summarise_region(results: list[CouncilResult], wall: float) -> str:
    """The region run's table: one line per council, then the totals."""
    lines = [f"{'Council':<12} {'Outcome':<15} {'Seconds':>8}  Log"]
    lines += [f"{r.name:<12} {r.outcome:<15} {r.seconds:8.1f}  {r.log}" for r in results]
    ok = sum(r.code == 0 for r in results)
    lines.append(f"\n{ok} of {len(results)} council(s) refreshed with every month published; wall {wall:.1f}s")
    return "\n".join(lines)


def exit_code(results: list[CouncilResult]) -> int:
    """0 when every council's refresh succeeded, else the highest exit code among them."""
    return max((r.code for r in results), default=2)
