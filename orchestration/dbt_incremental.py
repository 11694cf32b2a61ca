"""When a dbt build may be incremental: the dbt project's fingerprint against the last build's.

The incremental staging models (dbt_project/macros/incremental_by_load.sql) find what changed
from load ids: right for new, replaced and withdrawn loads, blind to a change of their own SQL,
of a macro or seed they use, or of dbt_project.yml. So every warehouse records, after a build in
which every model and seed built, the fingerprint of the project files that build ran
(`audit.dbt_build_basis`), and a build whose project differs from it, or a warehouse with none
recorded, runs with `--full-refresh`.

Nothing is cleared before a build: a build killed or failing part-way leaves each incremental
table as its last committed build left it (delete, insert and post-hook are one transaction),
which the next build's load comparison starts from; under `--full-refresh` the old fingerprint
stays recorded, so the next build is a full one again.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from orchestration.gates.results import AUDIT_SCHEMA

BASIS_TABLE = f"{AUDIT_SCHEMA}.dbt_build_basis"
FULL_REFRESH = "--full-refresh"
# What decides the rows of a model: its SQL, the macros it calls, the seeds it reads and the
# project's configuration. Data tests, docs and profiles.yml do not.
FINGERPRINTED = ("dbt_project.yml", "macros", "models", "seeds")
BUILT_STATUSES = ("success",)


def project_fingerprint(project: Path) -> str:
    """SHA-256 over the path and bytes of every file of `project` that decides a model's rows
    (FINGERPRINTED), in path order."""
    digest = hashlib.sha256()
    for entry in FINGERPRINTED:
        root = project / entry
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts:
                continue
            digest.update(path.relative_to(project).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def full_refresh_args(recorded: str | None, current: str) -> list[str]:
    """dbt's `--full-refresh` unless the warehouse's recorded fingerprint is the current one."""
    return [] if recorded == current else [FULL_REFRESH]


def every_model_built(run_results: Mapping[str, Any]) -> bool:
    """Whether every model and seed of a dbt run built (tests may have failed: they do not
    change a table). False for a run with no results."""
    nodes = [r for r in run_results.get("results", [])
             if r.get("unique_id", "").split(".")[0] in ("model", "seed")]
    return bool(nodes) and all(r.get("status") in BUILT_STATUSES for r in nodes)


def recorded_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint of the project that last built every model of this warehouse, if any."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database()"
        " and schema_name = $s and table_name = $t",
        {"s": AUDIT_SCHEMA, "t": BASIS_TABLE.split(".")[1]},
    ).fetchone()
    if not exists or not exists[0]:
        return None
    row = con.execute(f"select fingerprint from {BASIS_TABLE}").fetchone()
    return row[0] if row else None


def record_fingerprint(con: duckdb.DuckDBPyConnection, fingerprint: str) -> None:
    """Record that the warehouse's dbt tables were built by the project of `fingerprint`. Safe
    to interrupt: a warehouse left with no fingerprint is built in full next time. Runs inside
    the caller's transaction when there is one (adopting a region build)."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {AUDIT_SCHEMA}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {BASIS_TABLE} (fingerprint VARCHAR NOT NULL,"
                " recorded_at TIMESTAMP WITH TIME ZONE NOT NULL)")
    con.execute(f"DELETE FROM {BASIS_TABLE}")
    con.execute(f"INSERT INTO {BASIS_TABLE} VALUES ($f, now())", {"f": fingerprint})
