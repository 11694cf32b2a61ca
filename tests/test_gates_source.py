"""Source checks: a clean month passes; each single defect fails the right check, named by file,
column and check."""
from __future__ import annotations

import duckdb
import pytest

import gates_fixtures as fx
from orchestration.gates import CheckResult, GateConfig, run_source_checks
from orchestration.gates.source_checks import check_file_type
from orchestration.gates.sql_checks import drift_check
from sources.contracts import CONTROCC_PAYMENTS, LAS_CLD, NATIONAL_COMPARATORS, REJECTS_DDL

CFG = GateConfig(check_reference_files=False)  # the monthly files' checks; reference files: below
WITH_REFERENCE = GateConfig()


def by_name(results: list[CheckResult], name: str) -> CheckResult:
    matches = [r for r in results if r.name == name]
    assert len(matches) == 1, f"expected one result named {name!r}, got {[r.name for r in results if name.split(':')[0] in r.name]}"
    return matches[0]


def failed(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.passed and not r.skipped]


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    c = fx.build_clean()
    yield c
    c.close()


def test_clean_month_passes_every_source_check(con):
    results = run_source_checks(con, fx.part(), WITH_REFERENCE)
    assert failed(results) == []
    names = {r.name for r in results}
    # the suites really ran: code lists, ranges, uniqueness, drift, file checks, reference files
    for expected in (
        "las_cld.in_code_list:Event Type",
        "las_cld.adult_age:Date of Birth",
        "controcc_service_lines.weekly_cost_equals_rate_x_units:Weekly Cost",
        "controcc_payments.unique:Payment ID",
        "las_cld.drift:rows",
        "controcc_payments.file_loaded",
        "cqc_latest_ratings.in_code_list:Latest Rating",
        "element_rung_map.in_code_list:Care Ladder Rung",
        "gates.source_checks.completed",
    ):
        assert expected in names
    ok = by_name(results, "las_cld.in_code_list:Event Type")
    assert ok.observed["rows_checked"] == 7
    assert con.execute("SELECT count(*) FROM raw._rejects").fetchone()[0] == 0


def test_wrong_blocking_code_fails_with_error_and_is_quarantined(con):
    con.execute("""UPDATE raw.las_cld SET "Event Type" = 'Servcie' WHERE _month = '2024-03-01' AND "Event Reference" = 'EV-2'""")
    results = run_source_checks(con, fx.part(), CFG)
    r = by_name(results, "las_cld.in_code_list:Event Type")
    assert not r.passed and r.severity == "ERROR" and r.blocking
    assert r.message == (
        "las_cld_2024-03.csv, column 'Event Type': 1 row where Event Type is not in the Event Type code list "
        "(CLD Release 1/2, case-insensitive) (first at line 3)"
    )
    assert r.examples[0]["Event Type"] == "Servcie" and r.examples[0]["line"] == 3
    assert r.examples[0]["Event Reference"] == "EV-2"
    rej = con.execute(
        """SELECT file, line, "column", value, check_name, reason FROM raw._rejects WHERE month = '2024-03-01'"""
    ).fetchall()
    assert rej == [
        ("las_cld_2024-03.csv", 3, "Event Type", "Servcie", "las_cld.in_code_list:Event Type",
         "gate ERROR: Event Type is not in the Event Type code list (CLD Release 1/2, case-insensitive)")
    ]
    # a rerun after the fix replaces the gate rejects of the month
    con.execute("""UPDATE raw.las_cld SET "Event Type" = 'SERVICE' WHERE "Event Type" = 'Servcie'""")
    assert failed(run_source_checks(con, fx.part(), CFG)) == []
    assert con.execute("SELECT count(*) FROM raw._rejects").fetchone()[0] == 0


def test_wrong_non_blocking_code_is_a_warning(con):
    con.execute("""UPDATE raw.las_cld SET "Ethnicity" = 'Martian' WHERE _month = '2024-03-01' AND _line = 2""")
    results = run_source_checks(con, fx.part(), CFG)
    [r] = failed(results)
    assert r.name == "las_cld.in_code_list:Ethnicity" and r.severity == "WARN" and not r.blocking
    assert "las_cld_2024-03.csv, column 'Ethnicity'" in r.message


def test_a_service_event_without_service_type_is_a_warning_naming_the_row(con):
    con.execute("""UPDATE raw.las_cld SET "Service Type" = NULL
                   WHERE _month = '2024-03-01' AND lower("Event Type") = 'service' AND _line = (
                     SELECT min(_line) FROM raw.las_cld WHERE _month = '2024-03-01' AND lower("Event Type") = 'service')""")
    [r] = failed(run_source_checks(con, fx.part(), CFG))
    assert r.name == "las_cld.required_for_event_type:Service Type" and r.severity == "WARN" and not r.blocking
    assert "las_cld_2024-03.csv, column 'Service Type'" in r.message and "1 row" in r.message


def test_severity_override_from_config(con):
    con.execute("""UPDATE raw.las_cld SET "Ethnicity" = 'Martian' WHERE _month = '2024-03-01' AND _line = 2""")
    cfg = GateConfig(severities={"las_cld.in_code_list:Ethnicity": "ERROR"})
    r = by_name(run_source_checks(con, fx.part(), cfg), "las_cld.in_code_list:Ethnicity")
    assert r.severity == "ERROR" and r.blocking


def test_duplicate_event_reference(con):
    con.execute("""UPDATE raw.las_cld SET "Event Reference" = 'EV-1' WHERE _month = '2024-03-01' AND "Event Reference" = 'EV-6'""")
    results = run_source_checks(con, fx.part(), CFG)
    r = by_name(results, "las_cld.unique:Event Reference")
    assert not r.passed and r.severity == "ERROR"
    assert r.message == (
        "las_cld_2024-03.csv, column 'Event Reference': 2 rows where Event Reference is duplicated within the file "
        "(first at line 2)"
    )
    assert [e["line"] for e in r.examples] == [2, 8]
    assert [f.name for f in failed(results)] == ["las_cld.unique:Event Reference"]


def test_negative_cost(con):
    con.execute(
        """UPDATE raw.controcc_service_lines SET "Unit Rate" = -22.50, "Weekly Cost" = -236.25
           WHERE _month = '2024-03-01' AND "Service Agreement ID" = 'SA2'"""
    )
    results = run_source_checks(con, fx.part(), CFG)
    names = sorted(f.name for f in failed(results))
    assert names == ["controcc_service_lines.range:Unit Rate", "controcc_service_lines.range:Weekly Cost"]
    r = by_name(results, "controcc_service_lines.range:Weekly Cost")
    assert r.severity == "ERROR"
    assert r.message.startswith("controcc_service_lines_2024-03.csv, column 'Weekly Cost': 1 row where Weekly Cost is not positive")
    assert r.message.endswith("(first at line 3)")


def test_cost_ceiling_is_configurable(con):
    results = run_source_checks(con, fx.part(), GateConfig(cost_ceiling=800, check_reference_files=False))
    assert {f.name for f in failed(results)} == {
        "controcc_service_lines.range:Unit Rate",
        "controcc_service_lines.range:Weekly Cost",
    }
    assert not any(x.name.startswith(("element_rung_map.", "kpi_targets.")) for x in results)


def test_weekly_cost_mismatch(con):
    con.execute(
        """UPDATE raw.controcc_service_lines SET "Weekly Cost" = 236.26
           WHERE _month = '2024-03-01' AND "Service Agreement ID" = 'SA2'"""
    )
    results = run_source_checks(con, fx.part(), CFG)
    r = by_name(results, "controcc_service_lines.weekly_cost_equals_rate_x_units:Weekly Cost")
    assert not r.passed and r.severity == "ERROR"
    assert r.message == (
        "controcc_service_lines_2024-03.csv, column 'Weekly Cost': 1 row where "
        "Weekly Cost != Unit Rate x Planned Units per Week (first at line 3)"
    )
    ex = r.examples[0]
    assert (ex["Unit Rate"], ex["Planned Units per Week"], ex["Weekly Cost"]) == (22.5, 10.5, 236.26)
    assert [f.name for f in failed(results)] == [r.name]


def test_sixty_percent_row_drop_is_suspect(con):
    # 5 payment lines last month, 2 this month: a 60% drop
    con.execute("DELETE FROM raw.controcc_payments WHERE _month = '2024-03-01' AND _line > 3")
    con.execute("""INSERT INTO raw.controcc_payments SELECT * REPLACE ('PAY-X' AS "Payment ID", 6 AS _line)
                   FROM raw.controcc_payments WHERE _month = '2024-02-01' AND _line = 2""")
    con.execute("UPDATE raw._load_log SET rows_read = 2, rows_loaded = 2 WHERE file = 'controcc_payments_2024-03.csv'")
    con.execute("UPDATE raw._load_log SET rows_read = 5, rows_loaded = 5 WHERE file = 'controcc_payments_2024-02.csv'")
    results = run_source_checks(con, fx.part(), CFG)
    r = by_name(results, "controcc_payments.drift:rows")
    assert not r.passed and r.severity == "ERROR"
    assert r.message.startswith("controcc_payments_2024-03.csv: row-count drift: 2 rows, 60% fewer than 5 in controcc_payments_2024-02.csv")
    assert r.observed["drop"] == 0.6
    assert drift_check(con, CONTROCC_PAYMENTS, fx.part(), GateConfig(drift_threshold=0.7)).passed


def test_missing_file_in_load_log(con):
    con.execute("DELETE FROM raw._load_log WHERE file = 'cqc_latest_ratings_2024-03.csv'")
    con.execute("DELETE FROM raw.cqc_latest_ratings WHERE _month = '2024-03-01'")
    results = run_source_checks(con, fx.part(), CFG)
    r = by_name(results, "cqc_latest_ratings.file_loaded")
    assert not r.passed and r.severity == "ERROR"
    assert r.message == (
        "cqc_latest_ratings_2024-03.csv: file_loaded: expected monthly file not found in raw._load_log for E06000023 2024-03"
    )
    assert by_name(results, "cqc_latest_ratings.drift:rows").passed is False  # 5 -> 0 rows


def test_rejected_file_status_and_row_accounting(con):
    con.execute(
        """UPDATE raw._load_log SET status = 'rejected', message = 'missing required column Amount',
           rows_read = 10 WHERE file = 'controcc_payments_2024-03.csv'"""
    )
    results = run_source_checks(con, fx.part(), CFG)
    loaded = by_name(results, "controcc_payments.file_loaded")
    assert not loaded.passed and "missing required column Amount" in loaded.message
    acc = by_name(results, "controcc_payments.rows_accounted")
    assert not acc.passed and acc.severity == "ERROR"
    assert acc.message == "controcc_payments_2024-03.csv: rows_accounted: rows_read 10 != rows_loaded 4 + rows_rejected 0"


def test_a_row_rejected_when_read_blocks_the_month_naming_file_line_and_column(con):
    load_id = con.execute(
        "SELECT load_id FROM raw._load_log WHERE file = 'controcc_payments_2024-03.csv'").fetchone()[0]
    con.execute("UPDATE raw._load_log SET rows_read = rows_read + 1, rows_rejected = 1 WHERE load_id = ?", [load_id])
    con.execute(REJECTS_DDL)
    con.execute(
        """INSERT INTO raw._rejects VALUES (?, 'controcc_payments', DATE '2024-03-01',
           'controcc_payments_2024-03.csv', 7, 'Amount', '1.2E+05',
           'not an amount in pounds (Excel scientific notation)', 'decode_money', now(), 'E06000023')""", [load_id])
    results = run_source_checks(con, fx.part(), CFG)
    r = by_name(results, "controcc_payments.rows_rejected")
    assert r.blocking and r.column == "Amount" and r.observed == {"rows_rejected": 1}
    assert r.message == (
        "controcc_payments_2024-03.csv: rows_rejected: 1 row(s) break the contract and were rejected when read "
        "(line 7, column 'Amount': not an amount in pounds (Excel scientific notation)): fix the extract and "
        "load it again (every rejected row is in raw._rejects)")
    assert "1.2E+05" not in str(r.to_dict())  # the value stays in raw._rejects
    assert by_name(results, "controcc_payments.rows_accounted").passed
    assert by_name(results, "controcc_service_lines.rows_rejected").passed


def test_a_cld_unit_cost_of_zero_is_a_cost_a_negative_one_blocks(con):
    con.execute("""UPDATE raw.las_cld SET "Unit Cost" = 0 WHERE _month = '2024-03-01' AND _line = 2""")
    assert by_name(run_source_checks(con, fx.part(), CFG), "las_cld.range:Unit Cost").passed
    con.execute("""UPDATE raw.las_cld SET "Unit Cost" = -0.01 WHERE _month = '2024-03-01' AND _line = 2""")
    r = by_name(run_source_checks(con, fx.part(), CFG), "las_cld.range:Unit Cost")
    assert r.blocking and "Unit Cost is negative or above the ceiling" in r.message


def test_under_18_future_date_and_end_before_start(con):
    con.execute("""UPDATE raw.las_cld SET "Date of Birth" = DATE '2010-01-01' WHERE _month = '2024-03-01' AND _line = 2""")
    con.execute("""UPDATE raw.las_cld SET "Event Start Date" = DATE '2024-05-01' WHERE _month = '2024-03-01' AND _line = 3""")
    con.execute("""UPDATE raw.controcc_service_lines SET "End Date" = DATE '2023-01-01' WHERE _month = '2024-03-01' AND _line = 4""")
    results = run_source_checks(con, fx.part(), CFG)
    age = by_name(results, "las_cld.adult_age:Date of Birth")
    assert not age.passed and age.severity == "ERROR"
    assert "column 'Date of Birth': 1 row where the person is under 18" in age.message
    assert "Date of Birth" not in age.examples[0]  # never shown; the age is
    assert age.examples[0]["Date of Birth [age at reporting period end]"] == 14
    future = by_name(results, "las_cld.not_after_period_end:Event Start Date")
    assert not future.passed and "(first at line 3)" in future.message
    order = by_name(results, "controcc_service_lines.end_not_before_start:End Date")
    assert not order.passed and "End Date is before Start Date (first at line 4)" in order.message
    rej_values = dict(con.execute("""SELECT check_name, value FROM raw._rejects""").fetchall())
    assert rej_values["las_cld.adult_age:Date of Birth"] == "14"  # the age, never the date of birth


def test_cqc_rating_flag_and_geography(con):
    con.execute("""UPDATE raw.cqc_latest_ratings SET "Latest Rating" = 'Brilliant' WHERE _month = '2024-03-01' AND _line = 2""")
    con.execute(
        """UPDATE raw.cqc_hsca_active_locations SET "Service type - Domiciliary care service" = 'Yes'
           WHERE _month = '2024-03-01' AND _line = 3"""
    )
    con.execute(
        """UPDATE raw.controcc_service_lines SET "Placement Local Authority" = 'Bristol'
           WHERE _month = '2024-03-01' AND _line = 5"""
    )
    results = run_source_checks(con, fx.part(), CFG)
    assert {f.name for f in failed(results)} == {
        "cqc_latest_ratings.in_code_list:Latest Rating",
        "cqc_hsca_active_locations.flag:Service type - Domiciliary care service",
        "controcc_service_lines.geography_code:Placement Local Authority",
    }
    assert all(f.severity == "ERROR" for f in failed(results))
    geo = by_name(results, "controcc_service_lines.geography_code:Placement Local Authority")
    assert "not a well-formed ONS geography code" in geo.message and geo.examples[0]["Placement Local Authority"] == "Bristol"


def test_duplicate_payment_id_and_reversal_sign(con):
    con.execute("""UPDATE raw.controcc_payments SET "Payment ID" = 'PAY-2024-03-1' WHERE _month = '2024-03-01' AND _line = 3""")
    con.execute(
        """UPDATE raw.controcc_payments SET "Amount" = -"Amount" WHERE _month = '2024-03-01' AND _line = 4"""
    )
    results = run_source_checks(con, fx.part(), CFG)
    dup = by_name(results, "controcc_payments.unique:Payment ID")
    assert not dup.passed and dup.severity == "ERROR" and "Payment ID is duplicated" in dup.message
    sign = by_name(results, "controcc_payments.range:Amount")
    assert not sign.passed and "(first at line 4)" in sign.message
    # a negative amount is fine when the line is a reversal
    con.execute("""UPDATE raw.controcc_payments SET "Payment Status" = 'Reversed' WHERE _month = '2024-03-01' AND _line = 4""")
    results, _ = check_file_type(con, CONTROCC_PAYMENTS, fx.part(), CFG)
    assert by_name(results, "controcc_payments.range:Amount").passed


def test_reference_file_checks_run_with_the_month(con):
    con.execute("""UPDATE raw.element_rung_map SET "Care Ladder Rung" = 'nursing' WHERE "Element Code" = 'NURS01'""")
    r = by_name(run_source_checks(con, fx.part(), WITH_REFERENCE), "element_rung_map.in_code_list:Care Ladder Rung")
    assert not r.passed and r.severity == "ERROR"  # rung names are exact
    assert r.message.startswith("element_rung_map.csv, column 'Care Ladder Rung'")


def test_national_comparators_bad_value_measure_year_and_band_are_named_by_file_row_and_column(con):
    """reference/national_comparators.csv (issue 30): a clean file passes; a negative value, an unknown
    measure, a malformed financial year, a measure with another age band and a repeated key each fail
    with an ERROR naming the file, the line and the column."""
    good = [
        {"measure": "ASCOF 2B", "financial_year": "2023/24", "age_band": "18-64", "value": 14.0, "source": "x"},
        {"measure": "ascof 2c", "financial_year": "2023/24", "age_band": "65+", "value": 560.0, "source": "x"},
    ]
    fx.insert(con, NATIONAL_COMPARATORS, good, None, "national_comparators.csv", "L-ref-nat")
    mine = [r for r in run_source_checks(con, fx.part(), WITH_REFERENCE) if r.name.startswith("national_comparators.")]
    assert {r.name for r in mine} >= {"national_comparators.range:value", "national_comparators.in_code_list:measure",
                                      "national_comparators.financial_year:financial_year",
                                      "national_comparators.measure_age_band:age_band"}
    assert failed(mine) == []
    con.execute("DELETE FROM raw.national_comparators")
    bad = [
        {**good[0], "value": -1.0},                                   # line 2
        {**good[1], "measure": "ASCOF 2X"},                           # line 3
        {**good[1], "financial_year": "2023-24"},                     # line 4
        {**good[1], "financial_year": "2024/25", "age_band": "18-64"},  # line 5: 2C is 65+
        good[0], good[0],                                             # lines 6, 7: same key
    ]
    fx.insert(con, NATIONAL_COMPARATORS, bad, None, "national_comparators.csv", "L-ref-nat")
    results = run_source_checks(con, fx.part(), WITH_REFERENCE)
    fails = {r.name: r for r in failed(results) if r.name.startswith("national_comparators.")}
    expected = {"national_comparators.range:value": ("value", 2),
                "national_comparators.in_code_list:measure": ("measure", 3),
                "national_comparators.financial_year:financial_year": ("financial_year", 4),
                "national_comparators.measure_age_band:age_band": ("age_band", 5),
                "national_comparators.unique:measure + financial_year + age_band": ("measure + financial_year + age_band", 2)}
    assert set(fails) == set(expected)
    for name, (column, line) in expected.items():
        r = fails[name]
        assert r.severity == "ERROR", name
        assert r.message.startswith(f"national_comparators.csv, column '{column}'"), r.message
        assert f"line {line}" in r.message, r.message
        assert r.examples[0]["file"] == "national_comparators.csv" and r.examples[0]["line"] == line


def test_chunked_validation_sums_across_chunks(con):
    # 1 vector = 2048 rows per chunk; 5000 extra rows force three chunks
    con.execute(
        """INSERT INTO raw.las_cld SELECT l.* REPLACE ('EV-X' || CAST(i AS VARCHAR) AS "Event Reference",
                  CASE WHEN i % 1000 = 0 THEN 'Nope' ELSE "Event Type" END AS "Event Type", 100 + i AS _line)
           FROM raw.las_cld l, range(5000) r(i) WHERE _month = '2024-03-01' AND _line = 7"""
    )
    results, rejects = check_file_type(con, LAS_CLD, fx.part(), GateConfig(chunk_vectors=1))
    assert len(rejects) == 5
    r = by_name(results, "las_cld.in_code_list:Event Type")
    assert r.observed["rows_checked"] == 5007
    assert r.observed["failing_rows"] == 5 and len(r.examples) == 5
    assert r.message.endswith("5 rows where Event Type is not in the Event Type code list (CLD Release 1/2, case-insensitive) (first at line 100)")
