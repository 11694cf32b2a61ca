"""Resources: where the extracts come from (landing), the warehouse with its exports, and dbt.

All of a run's configuration travels here, as Dagster resource configuration: the `ascw` command
builds the definitions with its flags (`orchestration.definitions.build_definitions`), the UI
(`make dev`) with the ASCW_* environment defaults; the council and the month come from the run's
partitions. Nothing is passed through `os.environ` at run time.

The warehouse resource holds an exclusive lock on the warehouse for the whole run
(`<warehouse>.lock`, taken in `setup_for_execution`): DuckDB lets one process write a file, and
a run writes it from several steps and from dbt's own process, with the file closed in between;
the lock keeps a second run (another `ascw` command, a run launched from the UI) from writing
between two steps of the first. Runs launched by the Dagster daemon also queue first (the
instance's run queue admits one run per warehouse at a time: orchestration/instance.py).
"""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import IO, Any

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, DbtProject
from packaging import version
from pydantic import PrivateAttr

from orchestration.dbt_manifest import dbt_executable
from orchestration.dbt_profile import profiles_dir_for
from orchestration.landing_layout import CouncilLanding, council_landings, resolve_layout
from orchestration.settings import DBT_PROJECT_DIR, Settings, load_settings

LOCK_SUFFIX = ".lock"


class WarehouseBusy(RuntimeError):
    """The warehouse file is locked by another process (an analyst's session, another run)."""


class WarehouseUnreadable(RuntimeError):
    """The warehouse file exists but is not a DuckDB database this DuckDB can open (corrupt,
    truncated, another program's file, or written by a newer DuckDB)."""


def open_warehouse(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB warehouse, turning DuckDB's lock error into a message people can act on.
    A new warehouse file is readable by its owner only (it holds person-level rows)."""
    private_folder(path.parent)
    new = not path.exists()
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except (duckdb.SerializationException, duckdb.InternalException) as exc:
        raise WarehouseUnreadable(
            f"the warehouse {path} cannot be read as a DuckDB database ({str(exc).splitlines()[0][:200]}): "
            "restore it from its backup, or move it aside and rebuild it with `ascw refresh --all` "
            "(published packs are never touched)") from exc
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise WarehouseUnreadable(
                f"the warehouse {path} cannot be opened as a DuckDB database ({str(exc).splitlines()[0][:200]}): "
                "restore it from its backup, or move it aside and rebuild it with `ascw refresh --all` "
                "(published packs are never touched)") from exc
        raise WarehouseBusy(
            f"The warehouse {path} is open in another process, so the refresh cannot write to it. "
            "Close that session (analysts: query warehouse/marts_parquet/*.parquet instead, which a "
            f"refresh never locks) and run the refresh again. DuckDB said: {exc}"
        ) from exc
    if new and path.exists():
        path.chmod(0o600)
    return con


def private_folder(folder: Path) -> Path:
    """The warehouse's folder, created readable by its owner only when it does not exist (it holds
    the warehouse and its WAL, data-quality reports and the Dagster instance: person-level rows and
    pseudonymised examples); a folder that exists is left as its owner set it."""
    if not folder.exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700)
        folder.chmod(0o700)  # whatever the umask
    return folder


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + LOCK_SUFFIX)


def holder_of(warehouse: Path) -> str:
    """What the lock file says about the run holding it (written by whoever took it)."""
    try:
        return lock_path(warehouse).read_text(encoding="utf-8").strip() or "another run"
    except OSError:
        return "another run"


@contextmanager
def warehouse_lock(warehouse: Path, wait: bool, holder: str) -> Iterator[IO[str]]:
    """Hold the warehouse's run lock (an exclusive `flock` on `<warehouse>.lock`, released when
    the process ends, however it ends). Raises WarehouseBusy when another process holds it and
    `wait` is False."""
    f = acquire_lock(warehouse, wait, holder)
    try:
        yield f
    finally:
        release_lock(f)


def acquire_lock(warehouse: Path, wait: bool, holder: str) -> IO[str]:
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    f = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        f.close()
        raise WarehouseBusy(
            f"another refresh is writing the warehouse {warehouse} ({holder_of(warehouse)}); "
            "wait for it to finish (or run with --wait to queue behind it)"
        ) from None
    f.seek(0)
    f.truncate()
    f.write(holder + "\n")
    f.flush()
    return f


def release_lock(f: IO[str]) -> None:
    try:
        f.seek(0)
        f.truncate()
        fcntl.flock(f, fcntl.LOCK_UN)
    finally:
        f.close()


class LandingResource(dg.ConfigurableResource):
    """Where the councils' extracts land: one council's folder (`layout` council), a root holding
    a folder per council (`region`), or either, told apart by whether month folders sit at the
    top (`auto`). `council`: the code of a one-council landing folder (empty: the code its
    extracts name)."""

    landing: str
    layout: str = "auto"
    council: str = ""

    @property
    def landing_path(self) -> Path:
        return Path(self.landing)

    @property
    def resolved_layout(self) -> str:
        return resolve_layout(self.landing_path, self.layout)

    def councils(self) -> list[CouncilLanding]:
        return council_landings(self.landing_path, self.layout, self.council or None)

    def folder_of(self, council: str) -> Path:
        """The council's landing folder (a council with none gets the path it would have, so
        that its months are reported missing, not skipped)."""
        for c in self.councils():
            if c.code == council:
                return c.folder
        if self.resolved_layout == "council":
            return self.landing_path
        return self.landing_path / council


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse every council shares, where its packs are published, and short-lived
    connections to it (opened per step and closed before dbt runs: DuckDB allows one writer
    process, and dbt is a separate process).

    `exports_per_council`: packs go to `<exports>/<council>/YYYY-MM/` (a warehouse of many
    councils) instead of `<exports>/YYYY-MM/` (`ascw refresh`'s contract). `wait_for_lock`: a run
    that finds another run holding the warehouse waits for it (default) or fails at once saying so.
    """

    warehouse: str
    exports: str
    exports_per_council: bool = False
    wait_for_lock: bool = True
    _lock: Any = PrivateAttr(default=None)

    @property
    def warehouse_path(self) -> Path:
        return Path(self.warehouse)

    @property
    def exports_path(self) -> Path:
        return Path(self.exports)

    @property
    def side_dir(self) -> Path:
        """Folder beside the warehouse for unpublished by-products (DQ reports, Parquet marts)."""
        return self.warehouse_path.parent

    def exports_for(self, council: str) -> Path:
        return self.exports_path / council if self.exports_per_council else self.exports_path

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run_id = context.run_id or "no run"
        holder = f"Dagster run {run_id}, pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}"
        self._lock = acquire_lock(self.warehouse_path, self.wait_for_lock, holder)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._lock is not None:
            release_lock(self._lock)
            self._lock = None

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = open_warehouse(self.warehouse_path, read_only=read_only)
        if not read_only:
            # Checkpoint once at the end of a step rather than every 16 MB of a month's load.
            con.execute("SET checkpoint_threshold = '1GB'")
        try:
            yield con
        finally:
            con.close()


class WarehouseDbt(DbtCliResource):
    """dagster-dbt's CLI resource without two costs it pays on every invocation for features this
    project does not use (measured: docs/BENCHMARKS.md, 2026-12-07):

    - `_cli_version` runs `dbt --version` in a subprocess; dbt-core is pinned and installed in
      this environment, so its package version is read instead;
    - `_initialize_dbt_core_adapter` imports dbt, loads the profile and parses the macros in the
      Dagster process to give `fetch_row_counts()` / `fetch_column_metadata()` a handle on the
      adapter; neither is used (the warehouse is DuckDB, which would only open it read-only beside
      the dbt process).

    Both override private methods of the pinned dagster-dbt; tests/test_dbt_target.py fails if an
    upgrade renames them.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def resources_for(settings: Settings, *, exports_per_council: bool | None = None,
                  wait_for_lock: bool = True) -> dict[str, object]:
    """The resources of a refresh with these settings: the landing, the warehouse (its packs per
    council when the landing is a region's, unless said otherwise) and dbt, pointed at the
    warehouse by a profile written beside it (orchestration/dbt_profile.py)."""
    landing = LandingResource(landing=str(settings.landing), layout=settings.layout, council=settings.council or "")
    per_council = landing.resolved_layout == "region" if exports_per_council is None else exports_per_council
    return {
        "landing": landing,
        "warehouse": WarehouseResource(
            warehouse=str(settings.warehouse), exports=str(settings.exports),
            exports_per_council=per_council, wait_for_lock=wait_for_lock,
        ),
        "dbt": WarehouseDbt(project_dir=dbt_project, profiles_dir=str(profiles_dir_for(settings.warehouse)),
                            dbt_executable=dbt_executable()),
    }


def default_resources() -> dict[str, object]:
    return resources_for(load_settings())
