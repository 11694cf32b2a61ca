"""Resources: the warehouse (paths + DuckDB connections) and the dbt CLI."""
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from orchestration.dbt_forkserver import launcher_path
from orchestration.settings import DBT_PROJECT_DIR, DEMO_COUNCIL, load_settings


class WarehouseBusy(RuntimeError):
    """The warehouse file is locked by another process (an analyst's session, another run)."""


def open_warehouse(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB warehouse, turning DuckDB's lock error into a message people can act on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        raise WarehouseBusy(
            f"The warehouse {path} is open in another process, so the refresh cannot write to it. "
            "Close that session (analysts: query warehouse/marts_parquet/*.parquet instead, which a "
            f"refresh never locks) and run the refresh again. DuckDB said: {exc}"
        ) from exc


def council_of_extracts(con: duckdb.DuckDBPyConnection) -> str:
    """The council a warehouse's extracts name (the most frequent CLD `LA Code` loaded), else
    the demo council."""
    row = con.execute(
        'select upper(trim("LA Code")) from raw.las_cld group by 1 order by count(*) desc, 1 limit 1'
    ).fetchone()
    return row[0] if row and row[0] else DEMO_COUNCIL


class WarehouseResource(dg.ConfigurableResource):
    """Where the month's files come from and go to, and short-lived DuckDB connections.

    Connections are opened per step and closed before dbt runs: DuckDB allows one writer
    process, and dbt is a separate process.
    """

    landing: str
    warehouse: str
    exports: str
    council: str = ""  # empty: taken from the landing directory's extracts

    @property
    def landing_path(self) -> Path:
        return Path(self.landing)

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

    def council_code(self, con: duckdb.DuckDBPyConnection) -> str:
        """The council the warehouse is built for: the configured code, else the one its
        extracts name (the most frequent CLD `LA Code` loaded), else the demo council."""
        return self.council or council_of_extracts(con)

    def dbt_env(self, council: str) -> None:
        """Point dbt at this warehouse and council (env_var ASCW_WAREHOUSE / ASCW_COUNCIL in
        profiles.yml and dbt_project.yml): every model that compares with `<council>` uses it."""
        os.environ["ASCW_WAREHOUSE"] = str(self.warehouse_path)
        os.environ["ASCW_COUNCIL"] = council


class WarehouseDbt(DbtCliResource):
    """dagster-dbt's CLI resource without two costs paid on every invocation for features this
    project does not use (~5 s of a 30 s monthly refresh, measured):

    - `_cli_version` runs `dbt --version` in a subprocess; dbt-core is pinned and installed in
      this environment, so its package version is read instead;
    - `_initialize_dbt_core_adapter` imports dbt and loads the profile in-process to give
      `fetch_row_counts()` / `fetch_column_metadata()` a handle on the adapter; neither is used
      (the warehouse is DuckDB, which would only open it read-only beside the dbt process).

    Both override private methods of the pinned dagster-dbt; tests/test_dbt_target.py fails if
    an upgrade renames them.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def default_resources() -> dict[str, object]:
    s = load_settings()
    return {
        "warehouse": WarehouseResource(
            landing=str(s.landing),
            warehouse=str(s.warehouse),
            exports=str(s.exports),
            council=s.council or "",
        ),
        # `ascw-dbt`: dbt through the refresh's fork server when one runs (orchestration/dbt_forkserver.py).
        "dbt": WarehouseDbt(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=launcher_path()),
    }
