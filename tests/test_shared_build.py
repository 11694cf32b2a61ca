"""The region refresh's shared dbt build: what makes a build adoptable, which tables a council
adopts and how (its rows only, the region's constraints, all or nothing), and the stages of the
monthly job. The whole path (sources stage, one region build, models stage) runs end to end in
tests/test_region.py."""
from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.dbt_incremental import recorded_fingerprint
from orchestration.cli import STAGES, stage_selection
from orchestration.shared_build import SHARED_BUILD_ENV, SharedBuild, adopt, dbt_tables, topological, unclean_results


def test_only_a_build_with_every_node_passing_is_clean() -> None:
    results = {"results": [
        {"unique_id": "model.ascw.care_ladder_monthly", "status": "success"},
        {"unique_id": "test.ascw.not_null_x.abc", "status": "pass"},
    ]}
    assert unclean_results(results) == []
    results["results"] += [
        {"unique_id": "test.ascw.unique_y.def", "status": "warn"},  # whose council? unknown: not adopted
        {"unique_id": "model.ascw.kpi_monthly", "status": "error"},
        {"unique_id": "model.ascw.mps_tables", "status": "skipped"},
    ]
    assert unclean_results(results) == ["unique_y: warn", "kpi_monthly: error", "mps_tables: skipped"]


def test_the_adopted_tables_are_every_table_model_and_seed() -> None:
    manifest = {"nodes": {
        "model.ascw.stg_a": {"resource_type": "model", "schema": "staging", "name": "stg_a",
                             "alias": "stg_a", "config": {"materialized": "table"}},
        "model.ascw.stg_i": {"resource_type": "model", "schema": "staging", "name": "stg_i",
                             "config": {"materialized": "incremental"}},
        "model.ascw.eph": {"resource_type": "model", "schema": "staging", "name": "eph",
                           "config": {"materialized": "ephemeral"}},
        "seed.ascw.regions": {"resource_type": "seed", "schema": "reference", "name": "regions",
                              "config": {"materialized": "seed"}},
        "test.ascw.t": {"resource_type": "test", "schema": "x", "name": "t", "config": {}},
    }}
    assert dbt_tables(manifest) == [("staging", "stg_a"), ("staging", "stg_i"), ("reference", "regions")]


def test_a_shared_build_travels_in_the_environment() -> None:
    build = SharedBuild(Path("/w/_region/ascw.duckdb"), Path("/w/_region/dbt/run-1"), "f" * 64)
    assert SharedBuild.from_env(build.env()) == build
    assert SharedBuild.from_env({}) is None
    assert SHARED_BUILD_ENV in build.env()


def test_a_multi_asset_s_outputs_come_after_their_dependencies() -> None:
    a, b, c, d = (dg.AssetKey(k) for k in "abcd")
    deps = {a: {c}, b: {a, d}, c: set(), d: {dg.AssetKey("outside")}}
    order = topological({a, b, c, d}, deps)
    assert sorted(order) == [a, b, c, d]
    assert order.index(c) < order.index(a) < order.index(b) and order.index(d) < order.index(b)


def test_the_stages_split_the_monthly_job(dbt_manifest: Path) -> None:
    from orchestration.definitions import ASSETS

    every = {key for asset in ASSETS for key in asset.keys}
    sources, models = set(stage_selection("sources")), set(stage_selection("models"))
    assert stage_selection("all") is None and STAGES == ("all", "sources", "models")
    assert sources and models and not sources & models and sources | models == every
    assert all(key.path[0] == "raw" for key in sources)
    with pytest.raises(ValueError, match="unknown stage"):
        stage_selection("dbt")


def _region(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema reference")
    con.execute("create table marts.m (council_code varchar, k int, v int not null, primary key (council_code, k),"
                " check (v >= 0))")
    con.execute("insert into marts.m values ('A', 1, 10), ('A', 2, 20), ('B', 1, 99)")
    con.execute("create table reference.regions (code varchar)")
    con.execute("insert into reference.regions values ('E12000009'), ('E12000001')")
    con.close()
    return path


def test_a_council_adopts_its_own_rows_with_the_region_s_constraints(tmp_path: Path) -> None:
    build = SharedBuild(_region(tmp_path / "region.duckdb"), tmp_path, "f" * 64)
    con = duckdb.connect(str(tmp_path / "a.duckdb"))
    con.execute("create schema marts; create table marts.m (old int)")  # last month's, another shape
    rows = adopt(con, build, "A", [("marts", "m"), ("reference", "regions")])
    assert rows == 4
    assert con.execute("select * from marts.m order by k").fetchall() == [("A", 1, 10), ("A", 2, 20)]
    assert con.execute("select count(*) from reference.regions").fetchone() == (2,)  # no council key: all
    with pytest.raises(duckdb.ConstraintException):  # the primary key came with the table
        con.execute("insert into marts.m values ('A', 1, 5)")
    with pytest.raises(duckdb.ConstraintException):  # and the check
        con.execute("insert into marts.m values ('A', 3, -1)")
    assert con.execute("select count(*) from duckdb_databases() where database_name = 'shared_build'").fetchone() == (0,)
    assert recorded_fingerprint(con) == "f" * 64  # its incremental tables are the region build's now
    con.close()


def test_adopting_is_all_or_nothing(tmp_path: Path) -> None:
    build = SharedBuild(_region(tmp_path / "region.duckdb"), tmp_path, "f" * 64)
    con = duckdb.connect(str(tmp_path / "a.duckdb"))
    con.execute("create schema marts; create table marts.m (old int); insert into marts.m values (7)")
    with pytest.raises(RuntimeError, match="no table marts.missing"):
        adopt(con, build, "A", [("marts", "m"), ("marts", "missing")])
    assert con.execute("select * from marts.m").fetchall() == [(7,)]  # last month's table stands
    assert recorded_fingerprint(con) is None  # and so does what built it
    con.close()


def test_an_adopting_models_run_leaves_out_only_the_dbt_tests_as_asset_checks(dbt_manifest: Path) -> None:
    from orchestration.cli import stage_job
    from orchestration.definitions import ASSETS, defs
    from orchestration.defs.checks import GATE_KEY
    from orchestration.defs.warehouse import warehouse_models

    job = defs.resolve_job_def("monthly_refresh")
    for stage, adopting in (("all", False), ("sources", True), ("models", False)):
        assert stage_job(job, stage, adopting) == (job, stage_selection(stage))
    subset, rest = stage_job(job, "models", adopting=True)
    assert rest is None  # the subset job is the selection
    selection = set(stage_selection("models"))
    assert subset.asset_selection == selection
    dbt_checks = set(warehouse_models.check_keys)
    assert len(dbt_checks) > 100  # the dbt tests, as asset checks in every other run
    assert subset.asset_check_selection == {
        c for a in ASSETS for c in a.check_keys if c.asset_key in selection} - dbt_checks
    assert {c.name for c in subset.asset_check_selection if c.asset_key == GATE_KEY} == {
        "reconciliation", "all_blocking_checks_passed"}
