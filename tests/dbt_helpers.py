"""Running the dbt project against a temporary warehouse, for the tests that build marts.

The warehouse is a DuckDB file filled by the real loader from a landing directory; dbt runs as a
child process (as the refresh runs it) with its target and logs in the test's temporary folder.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb

from orchestration.dbt_manifest import dbt_executable
from sources import loader

ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT = ROOT / "dbt_project"
HANDWRITTEN_LANDING = ROOT / "tests" / "fixtures" / "handwritten_landing"
# The staging models incremental by load (dbt_project/macros/incremental_by_load.sql).
INCREMENTAL = ("stg_controcc__service_lines", "stg_controcc__payments", "stg_las_cld__events",
               "stg_cqc__latest_ratings", "stg_cqc__hsca_location_service_types")


def run_dbt(args: list[str], tmp: Path, db: Path, timeout: int = 600,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`dbt <args>` on warehouse `db`, target and logs under `tmp`, with the project's profile."""
    env = {**os.environ, "ASCW_WAREHOUSE": str(db), **(env or {})}
    return subprocess.run(
        [dbt_executable(), *args, "--profiles-dir", ".",
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")],
        cwd=DBT_PROJECT, env=env, capture_output=True, text=True, timeout=timeout,
    )


COUNCIL = "E06000023"  # the council of the hand-written landing directory


def load_landing(db: Path, landing: Path, pseudo_key: str, council: str = COUNCIL) -> None:
    """Reference files and every month of `landing` into `db` with the real loader; none rejected."""
    con = duckdb.connect(str(db))
    try:
        loader.load_reference(con, landing, council=council, pseudo_key=pseudo_key)
        for month in loader.discover_months(landing):
            report = loader.load_month(con, landing, month, council=council, pseudo_key=pseudo_key)
            rejected = [f for f in report.files if f.status not in ("loaded", "unchanged")]
            assert not rejected, rejected
    finally:
        con.close()


def built_tables(db: Path) -> dict[str, int]:
    """`schema.table` -> DuckDB's estimated rows, for every table dbt builds in `db`."""
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(con.execute(
            "select schema_name || '.' || table_name, estimated_size from duckdb_tables()"
            " where schema_name in ('staging', 'intermediate', 'marts') order by 1").fetchall())


def table_differences(a: Path, b: Path) -> dict[str, tuple[int, int]]:
    """Table -> (rows of a not in b, rows of b not in a), multiset-wise, for every table that differs."""
    out = {}
    with duckdb.connect(str(a), read_only=True) as con:
        con.execute(f"attach '{b}' as other (read_only)")
        for table in built_tables(a):
            one = con.execute(f"select count(*) from (from {table} except all from other.{table})").fetchone()[0]
            two = con.execute(f"select count(*) from (from other.{table} except all from {table})").fetchone()[0]
            if one or two:
                out[table] = (one, two)
    return out
