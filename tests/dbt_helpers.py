"""Running the dbt project against a temporary warehouse, for the tests that build marts.

The warehouse is a DuckDB file filled by the real loader from a landing directory; dbt runs as a
child process (as the refresh runs it) with its target and logs in the test's temporary folder.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb

from orchestration.dbt_forkserver import launcher_path, real_dbt
from sources import loader

ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT = ROOT / "dbt_project"
HANDWRITTEN_LANDING = ROOT / "tests" / "fixtures" / "handwritten_landing"


def run_dbt(args: list[str], tmp: Path, db: Path, timeout: int = 600,
            direct: bool = False, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`dbt <args>` on warehouse `db` (council E06000023 unless `env` says otherwise), target and
    logs under `tmp`: through `ascw-dbt` (the session's fork server) as the refresh runs it, or
    `dbt` itself (`direct`)."""
    env = {**os.environ, "ASCW_WAREHOUSE": str(db), "ASCW_COUNCIL": "E06000023", **(env or {})}
    return subprocess.run(
        [real_dbt() if direct else launcher_path(), *args, "--profiles-dir", ".",
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")],
        cwd=DBT_PROJECT, env=env, capture_output=True, text=True, timeout=timeout,
    )


def load_landing(db: Path, landing: Path, pseudo_key: str) -> None:
    """Reference files and every month of `landing` into `db` with the real loader; none rejected."""
    con = duckdb.connect(str(db))
    try:
        loader.load_reference(con, landing, pseudo_key=pseudo_key)
        for month in loader.discover_months(landing):
            report = loader.load_month(con, landing, month, pseudo_key=pseudo_key)
            rejected = [f for f in report.files if f.status not in ("loaded", "unchanged")]
            assert not rejected, rejected
    finally:
        con.close()
