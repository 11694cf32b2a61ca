"""One warehouse, several councils: the council key through every dbt model.

A region warehouse holds several councils' raw rows (orchestration/region_warehouse.py) and one
`dbt build` with var multi_council must give each council exactly the marts its own warehouse
gives it. The second council here is built from the first one's rows so that every key collides
(same pseudonymised person ids, service agreement ids, event references, payment ids, respondent
ids, element codes, KPI codes) while values differ: any join, window, grouping or de-duplication
that forgets the council mixes the two councils' rows and changes a mart.
"""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

import duckdb
import pytest

from dbt_helpers import run_dbt
from orchestration.pack.tables import mart_columns
from orchestration.region_warehouse import (
    ATTACH_ENV, MULTI_COUNCIL_ENV, attach_env, combine_councils, council_attachments,
)
from pipeline_helpers import Site
from sources.contracts import FILE_TYPES

FIRST = "E06000023"  # the test suite's generated council (Bristol)
SECOND = "E06000022"  # Bath and North East Somerset: its own CQC area, region and population

# The second council's raw rows, from the first's: 1 person in 5 left out (with their lines and
# payments), a third of the rest 7 years older, odd-numbered lines' weekly cost doubled, the first
# council's code replaced wherever a row names it, a quarter of the payments left out, half the
# survey respondents, every KPI target 1 higher; its CQC files without a third of the locations
# and a quarter of the ratings rows, its ONS estimates 10% higher (a council may load national
# files or ones filtered to its area: each council's are its own). Other tables as the first's.
_PERSON = '"LA Person Unique Identifier"'
_KEPT = f"hash({_PERSON}) % 5 <> 0"
SECOND_COUNCIL_ROWS: dict[str, str] = {
    "las_cld": f"""
        select * replace (
            '{SECOND}' as "LA Code",
            case when hash({_PERSON}) % 3 = 0 then "Date of Birth" - interval 7 year
                 else "Date of Birth" end::date as "Date of Birth")
        from first.raw.las_cld where {_KEPT}""",
    "controcc_service_lines": f"""
        select * replace (
            case when "Line No" % 2 = 1 then "Weekly Cost" * 2 else "Weekly Cost" end::decimal(18, 2)
                as "Weekly Cost",
            replace("Supplier Local Authority", '{FIRST}', '{SECOND}') as "Supplier Local Authority",
            replace("Placement Local Authority", '{FIRST}', '{SECOND}') as "Placement Local Authority")
        from first.raw.controcc_service_lines where {_KEPT}""",
    "controcc_payments": f"""
        select * from first.raw.controcc_payments
        where ("Service Agreement ID", "Line No") in (
            select ("Service Agreement ID", "Line No") from first.raw.controcc_service_lines where {_KEPT})
          and _line % 4 <> 0""",
    "ascs_responses": "select * from first.raw.ascs_responses where _line % 2 = 0",
    "element_rung_map": "select * from first.raw.element_rung_map",
    "kpi_targets": """
        select * replace (target_18_64 + 1 as target_18_64, target_65_plus + 1 as target_65_plus)
        from first.raw.kpi_targets""",
    "cqc_hsca_active_locations": "select * from first.raw.cqc_hsca_active_locations where _line % 3 <> 0",
    "cqc_latest_ratings": "select * from first.raw.cqc_latest_ratings where _line % 4 <> 0",
    "ons_mye_population": """
        select * replace (cast(round(OBS_VALUE * 1.1) as integer) as OBS_VALUE) from first.raw.ons_mye_population""",
}


def _second_council(first: Path, dest: Path) -> None:
    """A warehouse of the second council's raw rows."""
    assert set(SECOND_COUNCIL_ROWS) <= {ft.raw_table for ft in FILE_TYPES.values()}
    con = duckdb.connect(str(dest))
    try:
        con.execute(f"attach '{first}' as first (read_only)")
        con.execute("create schema raw")
        for ft in FILE_TYPES.values():
            select = SECOND_COUNCIL_ROWS.get(ft.raw_table, f'select * from first.raw."{ft.raw_table}"')
            con.execute(f'create table raw."{ft.raw_table}" as {select}')
        con.execute("create table raw._load_log as select * from first.raw._load_log")
    finally:
        con.close()


def _marts(db: Path, council: str | None = None) -> dict[str, list[tuple]]:
    """Every mart's rows (sorted), without council_code; only `council`'s rows when given."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        out = {}
        for t in tables:
            cols = mart_columns(con, t) or []
            keep = ", ".join(f'"{c}"' for c in cols if c != "council_code")
            where = f"where council_code = '{council}'" if council and "council_code" in cols else ""
            out[t] = sorted(con.execute(f'select {keep} from marts."{t}" {where}').fetchall(), key=repr)
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(published_site: Site, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("multi_council")
    second = tmp / "second.duckdb"
    _second_council(published_site.warehouse, second)
    region = tmp / "region.duckdb"
    attachments = combine_councils(region, {FIRST: published_site.warehouse, SECOND: second})
    # The second council's own marts (its seeds and models; its tests run in the region build)
    alone = run_dbt(["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
                    tmp / "second_dbt", second, env={"ASCW_COUNCIL": SECOND})
    assert alone.returncode == 0, alone.stdout[-3000:]
    # Unit tests are left out of a region build: their given rows have no `_council` (they run,
    # with every model's logic, in each council's own build).
    # (ASCW_COUNCIL is not used in a region build: each row's council comes from `_council`.)
    together = run_dbt(["build", "--exclude-resource-type", "unit_test"], tmp / "region_dbt", region,
                       env={MULTI_COUNCIL_ENV: "1", "ASCW_COUNCIL": "E99999999", **attach_env(attachments)})
    assert together.returncode == 0, together.stdout[-3000:]
    return {"first": published_site.warehouse, "second": second, "region": region}


def test_the_second_council_really_differs(built: dict[str, Path]) -> None:
    first, second = _marts(built["first"]), _marts(built["second"])
    differing = {t for t in first if first[t] != second[t]}
    assert {"care_ladder_monthly", "provider_concentration_monthly", "kpi_monthly",
            "client_base_annual", "cqc_market_monthly", "demography", "care_home_admissions_annual"} <= differing


@pytest.mark.parametrize("council,own", [(FIRST, "first"), (SECOND, "second")])
def test_each_council_of_a_region_warehouse_gets_the_marts_of_its_own_warehouse(
    built: dict[str, Path], council: str, own: str
) -> None:
    expected, region = _marts(built[own]), _marts(built["region"], council)
    assert sorted(region) == sorted(expected)
    for mart in expected:
        assert region[mart] == expected[mart], mart


def test_a_region_warehouse_has_a_row_per_council_in_every_council_scoped_mart(built: dict[str, Path]) -> None:
    con = duckdb.connect(str(built["region"]), read_only=True)
    try:
        scoped = [r[0] for r in con.execute(
            "select table_name from information_schema.columns where table_schema = 'marts'"
            " and column_name = 'council_code' order by 1").fetchall()]
        assert "care_ladder_monthly" in scoped and "kpi_monthly" in scoped
        for mart in scoped:
            councils = {r[0] for r in con.execute(f"select distinct council_code from marts.{mart}").fetchall()}
            assert councils <= {FIRST, SECOND}, mart
            # Either may be empty for a council: no placement above the threshold, no CQC
            # location opened or closed in its area in three months.
            if mart not in ("high_cost_placements", "cqc_market_changes_monthly"):
                assert councils == {FIRST, SECOND}, mart
    finally:
        con.close()


def test_a_region_warehouse_reads_the_councils_raw_rows_where_they_are(built: dict[str, Path]) -> None:
    """Its raw tables are views over the councils' own files (nothing copied), readable with
    the attachments dbt is given, each row with its council."""
    con = duckdb.connect(str(built["region"]), read_only=True)
    try:
        raw = dict(con.execute(
            "select table_name, table_type from information_schema.tables where table_schema = 'raw'").fetchall())
        assert raw == {ft.raw_table: "VIEW" for ft in FILE_TYPES.values()}
        with pytest.raises(duckdb.Error, match="council_0"):  # the councils' files are not in it
            con.execute("select count(*) from raw.las_cld").fetchall()
    finally:
        con.close()
    councils = {FIRST: built["first"], SECOND: built["second"]}  # as the fixture combined them
    aliases = council_attachments(councils)
    con = duckdb.connect(":memory:")
    try:
        for attachment in ast.literal_eval(attach_env(aliases)[ATTACH_ENV]):
            assert attachment["read_only"] is True
            con.execute(f"ATTACH '{attachment['path']}' AS {attachment['alias']} (READ_ONLY)")
        con.execute(f"ATTACH '{built['region']}' AS region (READ_ONLY)")
        counts = dict(con.execute("select _council, count(*) from region.raw.las_cld group by 1").fetchall())
        own = {code: con.execute(f"select count(*) from {alias}.raw.las_cld").fetchone()[0]
               for code, alias in zip(councils, aliases)}
        assert counts == own and all(own.values())
    finally:
        con.close()


def test_a_kept_region_warehouse_is_combined_again_for_the_next_run_s_councils(
        built: dict[str, Path], tmp_path: Path) -> None:
    """The region warehouse stays between runs (orchestration/shared_build.py): the next run
    replaces its raw views, for that run's councils only, and a raw table of an old region file
    (rows copied, not views) by a view."""
    region = tmp_path / "region.duckdb"
    shutil.copy(built["region"], region)
    with duckdb.connect(str(region)) as con:
        con.execute("drop view raw.kpi_targets")
        con.execute("create table raw.kpi_targets (copied int)")
    aliases = combine_councils(region, {SECOND: built["second"]})
    con = duckdb.connect(":memory:")
    try:
        for alias, path in aliases.items():
            con.execute(f"ATTACH '{path}' AS {alias} (READ_ONLY)")
        con.execute(f"ATTACH '{region}' AS region (READ_ONLY)")
        types = dict(con.execute("select table_name, table_type from information_schema.tables"
                                 " where table_catalog = 'region' and table_schema = 'raw'").fetchall())
        assert types == {ft.raw_table: "VIEW" for ft in FILE_TYPES.values()}
        councils = {c for (c,) in con.execute("select distinct _council from region.raw.las_cld").fetchall()}
        assert councils == {SECOND}
        assert con.execute("select count(*) from region.raw.kpi_targets").fetchone()[0] > 0
    finally:
        con.close()
