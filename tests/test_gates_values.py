"""Value, completeness and coverage checks (issue 27): extract errors that every row-level check
lets through -- a unit rate keyed 10x too high but self-consistent and under the ceiling, a line
missing from a month's service-lines file, a real CQC or ONS file for another area -- are named,
and block where they would publish wrong or blank figures. The clean warehouse passes them all."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

import gates_fixtures as fx
from orchestration.gates import CheckResult, GateConfig, run_source_checks, run_source_checks_for_parts
from orchestration.gates import coverage_checks, value_checks
from sources import loader
from sources.contracts import CQC_LATEST_RATINGS, MYE_POPULATION

CFG = GateConfig(check_reference_files=False)  # the reference suites are not the point here
REAL = Path(__file__).parent / "fixtures" / "real_samples"
MINE = (
    value_checks.CHANGE, value_checks.CHANGE_EXTREME, value_checks.OUTLIER, value_checks.OUTLIER_EXTREME,
    value_checks.VANISHED, value_checks.VANISHED_SHARE,
    "cqc_hsca_active_locations.coverage:Location Local Authority",
    "cqc_latest_ratings.coverage:Location Local Authority",
)


def by_name(results: list[CheckResult], name: str) -> CheckResult:
    matches = [r for r in results if r.name == name]
    assert len(matches) == 1, f"expected one result named {name!r}, got {sorted(r.name for r in results)}"
    return matches[0]


def failed(results: list[CheckResult], *names: str) -> list[str]:
    return sorted(r.name for r in results if not r.passed and not r.skipped and (not names or r.name in names))


def checked(con: duckdb.DuckDBPyConnection, parts: list, config: GateConfig = CFG) -> dict:
    """The value, completeness and coverage results of each council-month, without the suites
    (run_source_checks runs them too: the tests that need the whole stage call it)."""
    out: dict = {p: [] for p in parts}
    for family in (value_checks, coverage_checks):
        for p, (results, _) in family.checks_for_parts(con, parts, config).items():
            out[p] += results
    return out


def check(con: duckdb.DuckDBPyConnection, part, config: GateConfig = CFG) -> list[CheckResult]:
    return checked(con, [part], config)[part]


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    c = fx.build_clean(with_mart=False)
    yield c
    c.close()


def set_line(con: duckdb.DuckDBPyConnection, month: str, sa: str, **values: object) -> None:
    sets = ", ".join(f'"{k.replace("_", " ")}" = ?' for k in values)
    con.execute(
        f"""UPDATE raw.controcc_service_lines SET {sets} WHERE _month = ? AND "Service Agreement ID" = ?""",
        [*values.values(), f"{month}-01", sa],
    )


def add_home_care_market(con: duckdb.DuckDBPyConnection, lines: int = 30) -> None:
    """`lines` more home-care lines (HOME01, per Hour) at GBP 18-26 an hour in both months, so the
    rung has enough lines to judge (rate_range_min_lines = 20)."""
    con.execute(
        f"""INSERT INTO raw.controcc_service_lines
            SELECT l.* REPLACE ('HC' || CAST(i AS VARCHAR) AS "Service Agreement ID",
                               CAST(18 + i % 9 AS DECIMAL(18, 2)) AS "Unit Rate",
                               CAST((18 + i % 9) * 10.5 AS DECIMAL(18, 2)) AS "Weekly Cost", 10 + i AS _line)
            FROM raw.controcc_service_lines l, range({lines}) r(i) WHERE "Service Agreement ID" = 'SA2'"""
    )


def add_line(con: duckdb.DuckDBPyConnection, month: str, sa: str, rate: float, line: int = 99) -> None:
    """A home-care line `sa` at `rate` an hour (10.5 hours, Weekly Cost consistent) in `month`."""
    con.execute(
        """INSERT INTO raw.controcc_service_lines
           SELECT l.* REPLACE (? AS "Service Agreement ID", CAST(? AS DECIMAL(18, 2)) AS "Unit Rate",
                              CAST(? AS DECIMAL(18, 2)) AS "Weekly Cost", ? AS _line)
           FROM raw.controcc_service_lines l WHERE "Service Agreement ID" = 'SA2' AND _month = ?""",
        [sa, rate, round(rate * 10.5, 2), line, f"{month}-01"],
    )


# --- the clean warehouse ---------------------------------------------------------------------

def test_clean_warehouse_passes_every_value_completeness_and_coverage_check(con):
    results = run_source_checks_for_parts(con, [fx.part(fx.PREV), fx.part()], CFG)
    for part, rs in results.items():
        names = {r.name for r in rs}
        assert set(MINE) <= names, (part, set(MINE) - names)
        assert [r for r in rs if r.name in MINE and (not r.passed or r.skipped)] == []
    march = results[fx.part()]
    assert by_name(march, value_checks.VANISHED).message == (
        "controcc_service_lines_2024-03.csv: every one of the 4 lines open in controcc_service_lines_2024-02.csv is listed"
    )
    assert by_name(march, "cqc_hsca_active_locations.coverage:Location Local Authority").message == (
        "cqc_hsca_active_locations_2024-03.csv: 4 of 4 rows in the council's area (Bristol: E06000023 (Bristol, City of))"
    )
    # no ONS file loaded: nothing to judge, no result
    assert not any(".coverage:" in r.name and r.name.startswith(("census", "mye", "snpp")) for r in march)


# --- (a) a line's cost against its previous version ------------------------------------------

def test_a_ten_times_unit_rate_on_one_line_blocks_naming_the_line(con):
    # keyed 10x, self-consistent (225.00 x 10.5 = 2,362.50) and far under the GBP 25,000 ceiling
    set_line(con, fx.MONTH, "SA2", Unit_Rate=225.00, Weekly_Cost=2362.50)
    results = run_source_checks(con, fx.part(), CFG)
    assert "controcc_service_lines.weekly_cost_equals_rate_x_units:Weekly Cost" not in failed(results)
    assert "controcc_service_lines.range:Unit Rate" not in failed(results)
    r = by_name(results, value_checks.CHANGE_EXTREME)
    assert not r.passed and r.severity == "ERROR" and r.blocking
    assert r.message == (
        "controcc_service_lines_2024-03.csv, column 'Weekly Cost': 1 line where Unit Rate or Weekly Cost changed by "
        "8x or more (up or down) against the line's previous version (same Service Agreement ID + Line No in the "
        "council's latest earlier file): SA2/1 (line 3): Weekly Cost £236.25 -> £2,362.50, Unit Rate £22.50 -> "
        "£225.00 (10.0x; previous version controcc_service_lines_2024-02.csv line 3)"
    )
    ex = r.examples[0]
    assert (ex["file"], ex["line"], ex["Service Agreement ID"], ex["Line No"]) == ("controcc_service_lines_2024-03.csv", 3, "SA2", 1)
    assert (ex["previous Weekly Cost"], ex["Weekly Cost"], ex["factor"]) == (236.25, 2362.5, 10.0)
    assert by_name(results, value_checks.CHANGE).passed  # listed once, in the ERROR band
    rejects = con.execute(
        "SELECT file, line, value, check_name FROM raw._rejects WHERE check_name LIKE '%value_change%'").fetchall()
    assert rejects == [("controcc_service_lines_2024-03.csv", 3,
                        "SA2/1: Weekly Cost £236.25 -> £2,362.50, Unit Rate £22.50 -> £225.00", value_checks.CHANGE_EXTREME)]
    # the earlier month is untouched
    assert failed(check(con, fx.part(fx.PREV)), *MINE) == []


def test_the_error_factor_is_configurable_and_below_it_the_line_is_a_warning(con):
    set_line(con, fx.MONTH, "SA2", Unit_Rate=225.00, Weekly_Cost=2362.50)
    results = check(con, fx.part(), GateConfig(check_reference_files=False, value_change_error_factor=12))
    assert failed(results, *MINE) == [value_checks.CHANGE]
    r = by_name(results, value_checks.CHANGE)
    assert r.severity == "WARN" and not r.blocking and "SA2/1 (line 3)" in r.message


def test_a_tenth_of_the_cost_and_a_tripled_package_are_caught_too(con):
    # a decimal slip the other way: 900.00 -> 90.00 a week
    set_line(con, fx.MONTH, "SA1", Unit_Rate=90.00, Weekly_Cost=90.00)
    # hours tripled at the same rate: 10.5 -> 31.5 hours, GBP 236.25 -> 708.75 (a WARN: packages do grow)
    set_line(con, fx.MONTH, "SA2", Planned_Units_per_Week=31.5, Weekly_Cost=708.75)
    results = check(con, fx.part(), CFG)
    assert failed(results, *MINE) == [value_checks.CHANGE, value_checks.CHANGE_EXTREME]
    assert "SA1/1 (line 2): Weekly Cost £900.00 -> £90.00" in by_name(results, value_checks.CHANGE_EXTREME).message
    assert "SA2/1 (line 3): Weekly Cost £236.25 -> £708.75, Unit Rate £22.50 -> £22.50 (3.0x" in (
        by_name(results, value_checks.CHANGE).message)


# --- (b) a unit rate against its rung's robust range ----------------------------------------

def test_a_new_line_far_outside_its_rungs_range_is_a_warning(con):
    add_home_care_market(con)
    add_line(con, fx.MONTH, "SA99", 80.00)  # GBP 80 an hour: 3.6x the rung's median, new this month
    results = check(con, fx.part(), CFG)
    assert failed(results, *MINE) == [value_checks.OUTLIER]
    r = by_name(results, value_checks.OUTLIER)
    assert r.severity == "WARN" and not r.blocking
    assert "SA99/1 (line 99): Home Care per Hour £80.00, 3.6x above the rung's median £22.00" in r.message
    ex = r.examples[0]
    assert (ex["Service Agreement ID"], ex["Care Ladder Rung"], ex["Rate Unit"], ex["Unit Rate"]) == ("SA99", "Home Care", "Hour", 80.0)
    assert ex["rung lines"] == 32 and ex["range"][1] == pytest.approx(66.0)
    assert by_name(results, value_checks.OUTLIER_EXTREME).passed


def test_a_new_line_at_ten_times_its_rungs_median_blocks(con):
    add_home_care_market(con)
    add_line(con, fx.MONTH, "SA99", 225.00)
    results = check(con, fx.part(), CFG)
    assert failed(results, *MINE) == [value_checks.OUTLIER_EXTREME]
    r = by_name(results, value_checks.OUTLIER_EXTREME)
    assert r.blocking and "SA99/1 (line 99): Home Care per Hour £225.00, 10.2x above the rung's median £22.00" in r.message


def test_a_rate_is_judged_when_it_first_appears_not_again_every_month(con):
    add_home_care_market(con)
    add_line(con, fx.PREV, "SA99", 80.00)
    add_line(con, fx.MONTH, "SA99", 80.00)
    results = checked(con, [fx.part(fx.PREV), fx.part()], CFG)
    assert failed(results[fx.part(fx.PREV)], *MINE) == [value_checks.OUTLIER]
    assert failed(results[fx.part()], *MINE) == []


def test_too_few_lines_in_a_rung_are_not_judged(con):
    add_home_care_market(con, lines=15)  # 15 + SA2 + SA99 = 17 distinct home-care lines: under 20
    add_line(con, fx.MONTH, "SA99", 225.00)
    assert failed(check(con, fx.part(), CFG), *MINE) == []
    judged = GateConfig(check_reference_files=False, rate_range_min_lines=17)
    assert failed(check(con, fx.part(), judged), *MINE) == [value_checks.OUTLIER_EXTREME]


# --- completeness: a line open last month and missing this month ----------------------------

def test_a_vanished_open_ended_line_is_a_warning_and_treated_as_ended(con):
    con.execute("""DELETE FROM raw.controcc_service_lines WHERE _month = '2024-03-01' AND "Service Agreement ID" = 'SA4'""")
    # a line that ended within February is rightly absent from March's file
    con.execute("""UPDATE raw.controcc_service_lines SET "End Date" = DATE '2024-02-20'
                   WHERE _month = '2024-02-01' AND "Service Agreement ID" = 'SA3'""")
    con.execute("""DELETE FROM raw.controcc_service_lines WHERE _month = '2024-03-01' AND "Service Agreement ID" = 'SA3'""")
    results = run_source_checks(con, fx.part(), CFG)
    assert failed(results, *MINE) == [value_checks.VANISHED]
    r = by_name(results, value_checks.VANISHED)
    assert r.severity == "WARN" and not r.blocking
    assert r.message == (
        "controcc_service_lines_2024-03.csv: 1 line open in controcc_service_lines_2024-02.csv (blank End Date, or "
        "ending on or after 01/03/2024) is not listed: SA4/1 (line 5, blank End Date, Weekly Cost £90.00); treated "
        "as ended on 29/02/2024, the end of the last month it was listed"
    )
    assert r.examples[0]["treated as ended"] == "2024-02-29" and r.observed["previous_open_lines"] == 3
    assert con.execute(
        "SELECT month, file, line, value FROM raw._rejects WHERE check_name = ?", [value_checks.VANISHED]
    ).fetchall() == [(date(2024, 3, 1), "controcc_service_lines_2024-02.csv", 5,
                      "SA4/1: open in controcc_service_lines_2024-02.csv, absent from controcc_service_lines_2024-03.csv")]
    assert by_name(results, value_checks.VANISHED_SHARE).passed  # 3 open lines: too few to judge a share


def test_a_line_ending_after_the_month_started_that_vanishes_is_flagged(con):
    set_line(con, fx.PREV, "SA1", End_Date=date(2024, 3, 15))
    con.execute("""DELETE FROM raw.controcc_service_lines WHERE _month = '2024-03-01' AND "Service Agreement ID" = 'SA1'""")
    r = by_name(check(con, fx.part(), CFG), value_checks.VANISHED)
    assert not r.passed and "SA1/1 (line 2, End Date 15/03/2024, Weekly Cost £900.00)" in r.message


def test_many_vanished_lines_are_a_partial_extract_and_block(con):
    con.execute("""DELETE FROM raw.controcc_service_lines WHERE _month = '2024-03-01' AND "Service Agreement ID" = 'SA4'""")
    results = check(con, fx.part(), GateConfig(check_reference_files=False, vanished_min_lines=4))
    assert failed(results, *MINE) == [value_checks.VANISHED, value_checks.VANISHED_SHARE]
    r = by_name(results, value_checks.VANISHED_SHARE)
    assert r.blocking and r.message.startswith(
        "controcc_service_lines_2024-03.csv: 1 of the 4 lines open in controcc_service_lines_2024-02.csv (25%) are "
        "not listed, 10% or more: the extract looks partial")


# --- coverage: real CQC and ONS files for another area ---------------------------------------

def load_real(con: duckdb.DuckDBPyConnection, tmp_path: Path, sample: str, name: str, ft, month: str | None) -> None:
    path = tmp_path / name
    shutil.copy(REAL / sample, path)
    result = loader.load_file(con, ft, path, council=fx.COUNCIL, month=month, pseudo_key="gates-values-test")
    assert result.status == "loaded", result


def test_a_cqc_file_for_another_county_blocks_naming_the_area_it_covers(con, tmp_path):
    load_real(con, tmp_path, "cqc_latest_ratings_lincolnshire_2026-05.csv", "cqc_latest_ratings_2024-03.csv",
              CQC_LATEST_RATINGS, fx.MONTH)
    results = run_source_checks(con, fx.part(), CFG)
    r = by_name(results, "cqc_latest_ratings.coverage:Location Local Authority")
    assert not r.passed and r.blocking
    assert r.message == (
        "cqc_latest_ratings_2024-03.csv covers Lincolnshire only; no rows for E06000023 (Bristol, City of): load the "
        "national CQC file or one for the council's area"
    )
    assert r.observed["top_local_authorities"] == [{"name": "Lincolnshire", "rows": 4159}]
    assert by_name(results, "cqc_hsca_active_locations.coverage:Location Local Authority").passed


def test_an_ons_file_for_another_county_blocks_every_month_naming_the_areas_it_covers(con, tmp_path):
    load_real(con, tmp_path, "mye-population_lincolnshire_2024.csv", "mye-population.csv", MYE_POPULATION, None)
    results = run_source_checks_for_parts(con, [fx.part(fx.PREV), fx.part()], CFG)
    for part in results:
        r = by_name(results[part], "mye_population.coverage:GEOGRAPHY_CODE")
        assert not r.passed and r.blocking and r.month == part.month
        assert r.message == (
            "mye-population.csv covers Lincolnshire (E10000019, 276 rows), Boston (E07000136, 276 rows), East Lindsey "
            "(E07000137, 276 rows), Lincoln (E07000138, 276 rows), North Kesteven (E07000139, 276 rows) and 3 other "
            "areas; no rows for E06000023 (Bristol, City of) in column 'GEOGRAPHY_CODE': load the national ONS file "
            "(every local authority) or one that includes the council's own code"
        )


def test_ons_files_with_the_council_pass_and_cqc_names_match_as_int_la_lookup_matches_them(con):
    con.execute(
        """INSERT INTO raw.ons_mye_population ("GEOGRAPHY_NAME", "GEOGRAPHY_CODE", "DATE_NAME", "GENDER_NAME",
                                                 "C_AGE_NAME", "OBS_VALUE", _council, _file, _line)
           VALUES ('Bristol, City of', 'E06000023', 2023, 'Total', 'All Ages', 479000, 'E06000023', 'mye-population.csv', 2),
                  ('England', 'E92000001', 2023, 'Total', 'All Ages', 57000000, 'E06000023', 'mye-population.csv', 3)"""
    )
    # CQC's own spellings of the council's name: case, `, City of`, punctuation
    con.execute("""UPDATE raw.cqc_hsca_active_locations SET "Location Local Authority" = 'BRISTOL, CITY OF' WHERE _line = 2""")
    con.execute("""UPDATE raw.cqc_hsca_active_locations SET "Location Local Authority" = 'South Gloucestershire' WHERE _line > 2""")
    results = check(con, fx.part(), CFG)
    assert failed(results, *MINE, "mye_population.coverage:GEOGRAPHY_CODE") == []
    assert by_name(results, "cqc_hsca_active_locations.coverage:Location Local Authority").message == (
        "cqc_hsca_active_locations_2024-03.csv: 1 of 4 rows in the council's area (BRISTOL, CITY OF: E06000023 "
        "(Bristol, City of))"
    )
    # CQC's short names of seed la_name_exceptions (`Durham` for E06000047 County Durham)
    names = coverage_checks.council_names(con, ["E06000047", "E06000010"])
    assert {"durham", "county durham"} <= names["E06000047"].keys and "hull" in names["E06000010"].keys


def test_the_same_results_whether_months_are_checked_together_or_one_by_one(con):
    set_line(con, fx.MONTH, "SA2", Unit_Rate=225.00, Weekly_Cost=2362.50)
    con.execute("""DELETE FROM raw.controcc_service_lines WHERE _month = '2024-03-01' AND "Service Agreement ID" = 'SA4'""")
    other = fx.build_clean(with_mart=False)
    set_line(other, fx.MONTH, "SA2", Unit_Rate=225.00, Weekly_Cost=2362.50)
    other.execute("""DELETE FROM raw.controcc_service_lines WHERE _month = '2024-03-01' AND "Service Agreement ID" = 'SA4'""")
    parts = [fx.part(fx.PREV), fx.part()]
    together = value_checks.checks_for_parts(con, parts, CFG)
    alone = {p: value_checks.checks_for_parts(other, [p], CFG)[p] for p in parts}
    assert together == alone
    assert failed(together[fx.part()][0]) == [value_checks.VANISHED, value_checks.CHANGE_EXTREME]
