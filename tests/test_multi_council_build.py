"""One warehouse, several councils: the council key through every dbt model.

A warehouse holds any number of councils' raw rows (each with its council in `_council`), and one
`dbt build` must give each council exactly the marts a warehouse of its own gives it. The second
council here is built from the first one's rows so that every key collides (same pseudonymised
person ids, service agreement ids, event references, payment ids, respondent ids, element codes,
KPI codes) while values differ: any join, window, grouping or de-duplication that forgets the
council mixes the two councils' rows and changes a mart. `benchmark_monthly` is the exception by
design: its peer statistics are across councils (tests/test_benchmark_mart.py).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from dbt_helpers import run_dbt
from orchestration.pack.tables import mart_columns
from pipeline_helpers import Site
from sources.contracts import FILE_TYPES
from sources.scenarios import RAW_TABLES as SCENARIO_TABLES

# every raw table a build reads: the landing files' and the scenario files'
RAW_TABLES = (*(ft.raw_table for ft in FILE_TYPES.values()), *SCENARIO_TABLES)

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
    assert set(SECOND_COUNCIL_ROWS) <= set(RAW_TABLES)
    con = duckdb.connect(str(dest))
    try:
        con.execute(f"attach '{first}' as first (read_only)")
        con.execute("create schema raw")
        for table in RAW_TABLES:
            select = SECOND_COUNCIL_ROWS.get(table, f'select * from first.raw."{table}"')
            con.execute(f"""create table raw."{table}" as
                            select * replace ('{SECOND}' as _council) from ({select})""")
        con.execute(f"create table raw._load_log as select * replace ('{SECOND}' as council_code) from first.raw._load_log")
    finally:
        con.close()


def _both(first: Path, second: Path, dest: Path) -> None:
    """One warehouse holding both councils: the first's file with the second's raw rows added."""
    shutil.copy(first, dest)
    con = duckdb.connect(str(dest))
    try:
        con.execute(f"attach '{second}' as second (read_only)")
        for table in RAW_TABLES:
            con.execute(f'insert into raw."{table}" by name select * from second.raw."{table}"')
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


CROSS_COUNCIL = {"benchmark_monthly"}  # peer statistics: across the councils by design


@pytest.fixture(scope="module")
def built(published_site: Site, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("multi_council")
    second = tmp / "second.duckdb"
    _second_council(published_site.warehouse, second)
    both = tmp / "both.duckdb"
    _both(published_site.warehouse, second, both)
    # The second council's own marts (its seeds and models; its tests run in the shared build)
    alone = run_dbt(["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
                    tmp / "second_dbt", second)
    assert alone.returncode == 0, alone.stdout[-3000:]
    together = run_dbt(["build", "--exclude-resource-type", "unit_test"], tmp / "both_dbt", both)
    assert together.returncode == 0, together.stdout[-3000:]
    assert " WARN=0 ERROR=0 SKIP=0 " in together.stdout, together.stdout[-3000:]  # every test passed
    return {"first": published_site.warehouse, "second": second, "both": both}


def test_the_second_council_really_differs(built: dict[str, Path]) -> None:
    first, second = _marts(built["first"]), _marts(built["second"])
    differing = {t for t in first if first[t] != second[t]}
    assert {"care_ladder_monthly", "provider_concentration_monthly", "kpi_monthly",
            "client_base_annual", "cqc_market_monthly", "demography", "care_home_admissions_annual"} <= differing


@pytest.mark.parametrize("council,own", [(FIRST, "first"), (SECOND, "second")])
def test_each_council_of_a_shared_warehouse_gets_the_marts_of_its_own_warehouse(
    built: dict[str, Path], council: str, own: str
) -> None:
    expected, shared = _marts(built[own]), _marts(built["both"], council)
    assert sorted(shared) == sorted(expected)
    for mart in set(expected) - CROSS_COUNCIL:
        assert shared[mart] == expected[mart], mart


def test_a_shared_warehouse_has_a_row_per_council_in_every_council_scoped_mart(built: dict[str, Path]) -> None:
    con = duckdb.connect(str(built["both"]), read_only=True)
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
