"""One dbt build for a region's councils, adopted by each council's own warehouse.

`ascw refresh-region` loads and validates every council in its own warehouse as `ascw refresh`
does, then, instead of one dbt build per council (~14 s of dbt's per-node Python each, whatever
the council's size), builds them all at once:

1. `build_region`: the raw tables of every council ready for dbt (at least one requested month
   passed its source gates) are combined into one region warehouse
   (`orchestration/region_warehouse.py`, each row with its council) and built by one `dbt build`
   with the council key (`ASCW_MULTI_COUNCIL=1`; dbt's unit tests left out, as in every
   production build). The build is *clean* when every model and seed built and every data test
   passed with no warning.
2. `adopt`: each council's warehouse replaces its dbt tables (staging, intermediate, marts,
   seeds) by its own rows of the region's, with the region's DDL (so the marts keep their
   enforced constraints), in one transaction; the region build's test results are recorded for
   the council's months as its own build's would be. Everything after dbt (reconciliation, the
   publication gate, the pack, the Parquet copy) then runs in the council's warehouse exactly as
   after its own build.

A test that fails or warns in the region build cannot be pinned on one council (a `unique` or
`accepted_values` failure names values, not councils), so a build that is not clean is never
adopted: every council is then built on its own, as `ascw refresh` would (`orchestration/region.py`).
The region warehouse (`<work>/_region/ascw.duckdb`) and its dbt artifacts (`<work>/_region/dbt/`)
stay between runs: its incremental staging tables (dbt_project/macros/incremental_by_load.sql)
are the region's dbt state, so next month's build reads the new month's loads, not the history.
Its raw tables are views over the councils' own warehouses, made again on every run for the
councils ready then: a council left out of a run has no raw rows in it, so the build deletes its
staging rows (its loads are gone) and builds them again when it is back. To read the region
warehouse outside dbt, attach the councils' files as `region_warehouse.attach_env` lists them.
"""
from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from orchestration.dbt_forkserver import launcher_path
from orchestration.dbt_incremental import (
    every_model_built, full_refresh_args, project_fingerprint, record_fingerprint, recorded_fingerprint,
)
from orchestration.dbt_target import keep_parse_and_prune, run_target_path
from orchestration.gates.sqlutil import q as quote
from orchestration.region_warehouse import MULTI_COUNCIL_ENV, attach_env, combine_councils
from sources.csv_io import sql_string as duckdb_literal

SHARED_BUILD_ENV = "ASCW_SHARED_BUILD"  # set for a council's refresh that adopts a region build
REGION_DIR = "_region"  # under refresh-region's --work
CLEAN_STATUSES = ("success", "pass")


@dataclass(frozen=True)
class SharedBuild:
    """A finished region build: its warehouse and the dbt target folder with its artifacts."""

    warehouse: Path
    target: Path
    fingerprint: str  # of the dbt project that built it (orchestration/dbt_incremental.py)

    def env(self) -> dict[str, str]:
        return {SHARED_BUILD_ENV: json.dumps({"warehouse": str(self.warehouse), "target": str(self.target),
                                              "fingerprint": self.fingerprint})}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SharedBuild | None:
        raw = (os.environ if environ is None else environ).get(SHARED_BUILD_ENV)
        if not raw:
            return None
        spec = json.loads(raw)
        return cls(Path(spec["warehouse"]), Path(spec["target"]), spec["fingerprint"])

    def artifact(self, name: str) -> dict[str, Any]:
        return json.loads((self.target / name).read_text(encoding="utf-8"))


def unclean_results(run_results: Mapping[str, Any]) -> list[str]:
    """What keeps a build from being adopted: every node whose status is not success/pass
    (errors, failing or warning tests, skipped nodes), as `name: status` (the name is the third
    part of dbt's unique id: `test.<project>.<name>.<hash>`)."""
    return [
        f"{(r['unique_id'].split('.') + [''] * 3)[2]}: {r.get('status')}"
        for r in run_results.get("results", [])
        if r.get("status") not in CLEAN_STATUSES
    ]


def dbt_tables(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(schema, table) of every model and seed the build materialises as a table, in the
    manifest's order."""
    return [
        (node["schema"], node.get("alias") or node["name"])
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") in ("model", "seed")
        and node.get("config", {}).get("materialized") in ("table", "incremental", "seed")
    ]


def build_region(work: Path, warehouses: Mapping[str, Path], project: Path) -> tuple[SharedBuild | None, str]:
    """Combine the councils' raw tables (council code -> warehouse file) into `<work>/_region/`
    and run one dbt build there. Returns the build when it is clean, else None and why."""
    base = work / REGION_DIR
    base.mkdir(parents=True, exist_ok=True)
    db = base / "ascw.duckdb"
    attachments = combine_councils(db, warehouses)
    fingerprint = project_fingerprint(project)
    with duckdb.connect(str(db)) as con:
        refresh_args = full_refresh_args(recorded_fingerprint(con), fingerprint)
    dbt_dir = base / "dbt"
    target = run_target_path(dbt_dir, f"{os.getpid()}")
    command = [launcher_path(), "build", "--exclude-resource-type", "unit_test", *refresh_args,
               "--project-dir", str(project), "--profiles-dir", str(project),
               "--target-path", str(target), "--log-path", str(target),
               "--log-level-file", "warn", "--log-format-file", "text"]
    env = dict(os.environ, ASCW_WAREHOUSE=str(db), **{MULTI_COUNCIL_ENV: "1"}, **attach_env(attachments))
    env.pop(SHARED_BUILD_ENV, None)
    with (target / "dbt_console.log").open("w", encoding="utf-8") as console:
        done = subprocess.run(command, stdout=console, stderr=subprocess.STDOUT, env=env, check=False)
    keep_parse_and_prune(dbt_dir, target)
    results_file = target / "run_results.json"
    if not results_file.exists():
        return None, f"the region's dbt build exited {done.returncode} without results (see {target})"
    run_results = json.loads(results_file.read_text(encoding="utf-8"))
    if every_model_built(run_results):
        with duckdb.connect(str(db)) as con:
            record_fingerprint(con, fingerprint)
    unclean = unclean_results(run_results)
    if done.returncode or unclean:
        return None, (f"the region's dbt build was not clean ({len(unclean)} node(s): "
                      f"{'; '.join(unclean[:3])}; see {target})")
    return SharedBuild(db, target, fingerprint), "clean"


def adopt(con: duckdb.DuckDBPyConnection, build: SharedBuild, council: str,
          tables: list[tuple[str, str]]) -> int:
    """Replace `tables` in the warehouse of `con` by `council`'s rows of the region build's
    (every row of a table without council_code: the seeds), each created with the region's DDL
    (constraints included), in one transaction. Returns the rows copied."""
    con.execute(f"ATTACH {duckdb_literal(str(build.warehouse))} AS shared_build (READ_ONLY)")
    try:
        ddl = {
            (schema, name): (sql, columns)
            for schema, name, sql, columns in con.execute(
                "select t.schema_name, t.table_name, t.sql, list(c.column_name order by c.column_index)"
                " from duckdb_tables() t join duckdb_columns() c using (database_name, schema_name, table_name)"
                " where t.database_name = 'shared_build' group by all"
            ).fetchall()
        }
        copied = 0
        con.execute("BEGIN TRANSACTION")
        try:
            for schema, name in tables:
                if (schema, name) not in ddl:
                    raise RuntimeError(f"the region build has no table {schema}.{name}")
                sql, columns = ddl[(schema, name)]
                relation = f"{quote(schema)}.{quote(name)}"
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
                con.execute(f"DROP TABLE IF EXISTS {relation}")
                con.execute(sql)
                where = f" WHERE council_code = {duckdb_literal(council)}" if "council_code" in columns else ""
                copied += con.execute(
                    f"INSERT INTO {relation} SELECT * FROM shared_build.{relation}{where}").fetchone()[0]
            record_fingerprint(con, build.fingerprint)  # its incremental tables are the region's
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return copied
    finally:
        con.execute("DETACH shared_build")


Key = TypeVar("Key")  # a Dagster AssetKey (sortable)


def topological(keys: Collection[Key], deps: Mapping[Key, Collection[Key]]) -> list[Key]:
    """`keys` with each after those of its dependencies (`deps`) that are among them (Dagster wants
    a multi-asset's outputs in that order); ties by key."""
    wanted, done, order = set(keys), set(), []

    def visit(key: Key) -> None:
        if key in done:
            return
        done.add(key)
        for dep in sorted(deps.get(key, ())):
            if dep in wanted:
                visit(dep)
        order.append(key)

    for key in sorted(wanted):
        visit(key)
    return order
