"""The incremental staging models (dbt_project/macros/incremental_by_load.sql) against a full rebuild.

A published warehouse (every month built) has its raw tables changed the ways a month's loads
change them: a month re-delivered with versions changed, added and left out, versions of earlier
months' keys superseded, a month's file withdrawn (rejected or missing: its rows gone, some keys
left with no row at all), a whole month's files withdrawn. Built incrementally, every dbt table
must equal what `--full-refresh` gives on a copy of the same warehouse; so must the events
model after months only added (a later and a late earlier one), the monthly run's case, which it
builds from the new loads' rows alone. And the project's fingerprint decides when a build may be
incremental (orchestration/dbt_incremental.py).
"""
from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import duckdb
import pytest

from dbt_helpers import DBT_PROJECT, INCREMENTAL, built_tables, run_dbt, table_differences
from orchestration.dbt_incremental import (
    FULL_REFRESH, every_model_built, full_refresh_args, project_fingerprint, record_fingerprint,
    recorded_fingerprint,
)
from pipeline_helpers import WAITING_MONTHS, Site

LAST, MIDDLE, FIRST = (f"{m}-01" for m in reversed(WAITING_MONTHS))


def _new_load(con: duckdb.DuckDBPyConnection, table: str, month: str, select: str) -> int:
    """Replace `table`'s rows of `month` by `select` (over the old rows, `old`) under a new load
    id, as a re-delivered file is loaded; returns the rows written."""
    load = str(uuid.uuid4())
    con.execute(f"create temp table old as select * from raw.{table} where _month = date '{month}'")
    con.execute(f"delete from raw.{table} where _month = date '{month}'")
    rows = con.execute(f"insert into raw.{table} select * replace ('{load}' as _load_id) from ({select})").fetchone()[0]
    con.execute("drop table old")
    return rows


def _change_the_loads(db: Path) -> None:
    with duckdb.connect(str(db)) as con:
        # The last month's CLD re-delivered: one event in 7 left out (kept only by earlier months
        # or by none), one in 5 with another outcome, and a later version of 40 events of the first
        # month that the last month's file did not have.
        assert _new_load(con, "las_cld", LAST, f"""
            select * replace (case when hash("Event Reference") % 5 = 0 then 'NFA - Other'
                                   else "Event Outcome" end as "Event Outcome")
            from old where hash("Event Reference") % 7 <> 0
            union all
            select * replace (date '{LAST}' as _month, _line + 1000000 as _line)
            from (select * from raw.las_cld where _month = date '{FIRST}'
                  and "Event Reference" not in (select "Event Reference" from old) limit 40)""") > 0
        # The last month's service lines re-delivered with every weekly cost up 10%.
        assert _new_load(con, "controcc_service_lines", LAST,
                         'select * replace (cast("Weekly Cost" * 1.1 as decimal(18, 2)) as "Weekly Cost") from old') > 0
        # The middle month's payments file withdrawn: its payments' earlier versions win again,
        # those it alone had are gone.
        con.execute(f"delete from raw.controcc_payments where _month = date '{MIDDLE}'")
        # The middle month's CQC files withdrawn; the last month's ratings re-delivered, a third
        # of the rows left out.
        for table in ("cqc_hsca_active_locations", "cqc_latest_ratings"):
            con.execute(f"delete from raw.{table} where _month = date '{MIDDLE}'")
        assert _new_load(con, "cqc_latest_ratings", LAST, 'select * from old where _line % 3 <> 0') > 0


def _built_both_ways(base: Path, root: Path, *select: str) -> dict[str, Path]:
    """`base` copied twice under `root` and built by `dbt run` (of `select` when given),
    incrementally and with `--full-refresh`: name -> warehouse and `<name>_target` -> its target."""
    out = {}
    for name, args in (("incremental", []), ("full", [FULL_REFRESH])):
        db = root / f"{name}.duckdb"
        shutil.copy(base, db)
        done = run_dbt(["run", *(["--select", *select] if select else []), *args], root / name, db)
        assert done.returncode == 0, done.stdout[-3000:]
        out[name] = db
        out[f"{name}_target"] = root / name / "target"
    return out


@pytest.fixture(scope="module")
def rebuilt(published_site: Site, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The published warehouse with its loads changed, built incrementally and with
    `--full-refresh` (models only: `dbt run`), each in its own copy."""
    root = tmp_path_factory.mktemp("incremental")
    base = root / "changed.duckdb"
    shutil.copy(published_site.warehouse, base)
    _change_the_loads(base)
    return _built_both_ways(base, root)


def test_an_incremental_build_gives_every_table_a_full_rebuild_gives(rebuilt: dict[str, Path]) -> None:
    tables = built_tables(rebuilt["incremental"])
    assert {f"staging.{m}" for m in INCREMENTAL} <= set(tables)
    assert table_differences(rebuilt["incremental"], rebuilt["full"]) == {}


def test_the_incremental_build_read_only_the_changed_loads(rebuilt: dict[str, Path]) -> None:
    """It ran the models' incremental SQL, not a rebuild, and the changes reached the tables."""
    def sql(build: str, kind: str, model: str) -> str:
        return next((rebuilt[f"{build}_target"] / kind).rglob(f"{model}.sql")).read_text().lower()

    # the changed keys found from the new loads, or the new loads' ids as literals
    scoped = ("new_loads", "where _load_id in (")
    for model in INCREMENTAL:
        assert any(s in sql("incremental", "compiled", model) for s in scoped), model
        assert "delete from" in sql("incremental", "run", model), model
        assert not any(s in sql("full", "compiled", model) for s in scoped), model
    with duckdb.connect(str(rebuilt["incremental"]), read_only=True) as con:
        months = {table: {m for (m,) in con.execute(f"select distinct month from staging.{table}").fetchall()}
                  for table in ("stg_cqc__latest_ratings", "stg_cqc__hsca_location_service_types")}
        assert all(str(min(m)) == FIRST and MIDDLE not in {str(x) for x in m} for m in months.values()), months
        # no load id in a staging table that raw no longer has
        for model, raw in (("stg_controcc__service_lines", "controcc_service_lines"),
                           ("stg_controcc__payments", "controcc_payments")):
            assert con.execute(f"select count(*) from staging.{model} where load_id not in"
                               f" (select _load_id from raw.{raw})").fetchone() == (0,), model


@pytest.mark.extended  # the incremental build equals a full rebuild: the tests above
def test_a_second_incremental_build_with_no_new_load_changes_nothing(rebuilt: dict[str, Path],
                                                                     tmp_path: Path) -> None:
    db = tmp_path / "again.duckdb"
    shutil.copy(rebuilt["incremental"], db)
    done = run_dbt(["run", "--select", *INCREMENTAL], tmp_path, db)
    assert done.returncode == 0, done.stdout[-3000:]
    assert table_differences(db, rebuilt["full"]) == {}


def _append_loads(db: Path) -> None:
    """Months added, none replaced or withdrawn (the monthly run): a later month re-sending a
    third of the last month's events, one in 4 with another outcome, plus 25 events of its own,
    and a late file for the month before the first, whose versions of later-seen events must
    lose and whose 15 events seen nowhere else must be kept."""
    later, earlier = "2024-04-01", "2023-12-01"
    later_load, earlier_load = uuid.uuid4(), uuid.uuid4()  # one load id per month, as the loader writes
    with duckdb.connect(str(db)) as con:
        con.execute(f"""insert into raw.las_cld
            select * replace (date '{later}' as _month, '{later_load}' as _load_id,
                              case when hash("Event Reference") % 4 = 0 then 'NFA - Other'
                                   else "Event Outcome" end as "Event Outcome")
            from raw.las_cld where _month = date '{LAST}' and hash("Event Reference") % 3 = 0
            union all
            select * replace (date '{later}' as _month, '{later_load}' as _load_id,
                              "Event Reference" || '-NEW' as "Event Reference", _line + 1000000 as _line)
            from (from raw.las_cld where _month = date '{LAST}' limit 25)""")
        con.execute(f"""insert into raw.las_cld
            select * replace (date '{earlier}' as _month, '{earlier_load}' as _load_id,
                              'NFA - Other' as "Event Outcome")
            from raw.las_cld where _month = date '{FIRST}' and hash("Event Reference") % 2 = 0
            union all
            select * replace (date '{earlier}' as _month, '{earlier_load}' as _load_id,
                              "Event Reference" || '-OLD' as "Event Reference")
            from (from raw.las_cld where _month = date '{FIRST}' limit 15)""")


@pytest.mark.extended  # events are one of the tables the incremental-equals-full test above compares
def test_events_built_from_appended_loads_alone_equal_a_full_rebuild(published_site: Site,
                                                                      tmp_path: Path) -> None:
    """With only new loads (no month replaced), the events model reads the new loads' rows and
    keeps those newer than the table's version of their event (`newer_than_table`), instead of
    rebuilding every council that has a gone load."""
    base = tmp_path / "appended.duckdb"
    shutil.copy(published_site.warehouse, base)
    _append_loads(base)
    built = _built_both_ways(base, tmp_path, "stg_las_cld__events")
    compiled = next((built["incremental_target"] / "compiled").rglob("stg_las_cld__events.sql")).read_text()
    assert "left join" in compiled and "in (null)" in compiled  # compared with the table; no council rebuilt
    assert table_differences(built["incremental"], built["full"]) == {}
    with duckdb.connect(str(built["incremental"]), read_only=True) as con:
        assert con.execute("select count(*) filter (where event_reference like '%-NEW'),"
                           " count(*) filter (where event_reference like '%-OLD'),"
                           " count(*) filter (where source_month = date '2023-12-01')"
                           " from staging.stg_las_cld__events").fetchone() == (25, 15, 15)


def test_the_project_fingerprint_follows_what_decides_a_model_s_rows(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(DBT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    first = project_fingerprint(project)
    assert first == project_fingerprint(DBT_PROJECT) and len(first) == 64
    (project / "tests" / "extra.sql").write_text("select 1 where false")  # a data test: no
    assert project_fingerprint(project) == first
    for changed in ("models/staging/stg_las_cld__events.sql", "macros/canonical_code.sql",
                    "seeds/cld_code_map.csv", "dbt_project.yml"):
        path = project / changed
        kept = path.read_bytes()
        path.write_bytes(kept + b"\n")
        assert project_fingerprint(project) != first, changed
        path.write_bytes(kept)
    assert project_fingerprint(project) == first


def test_a_build_is_full_unless_the_warehouse_was_built_by_the_same_project(tmp_path: Path) -> None:
    assert full_refresh_args(None, "a") == [FULL_REFRESH]
    assert full_refresh_args("b", "a") == [FULL_REFRESH]
    assert full_refresh_args("a", "a") == []
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert recorded_fingerprint(con) is None
        record_fingerprint(con, "a")
        record_fingerprint(con, "b")
        assert recorded_fingerprint(con) == "b"
        assert con.execute("select count(*) from audit.dbt_build_basis").fetchone() == (1,)


def test_only_a_run_that_built_every_model_and_seed_is_recorded() -> None:
    def results(*statuses: tuple[str, str]) -> dict:
        return {"results": [{"unique_id": uid, "status": status} for uid, status in statuses]}

    assert every_model_built(results(("model.ascw.a", "success"), ("seed.ascw.s", "success"),
                                     ("test.ascw.t.1", "fail")))
    assert not every_model_built(results(("model.ascw.a", "success"), ("model.ascw.b", "error")))
    assert not every_model_built(results(("model.ascw.a", "success"), ("model.ascw.b", "skipped")))
    assert not every_model_built(results(("test.ascw.t.1", "pass")))
    assert not every_model_built(json.loads("{}"))
