"""``run_source_checks_for_parts``: one call over several months gives exactly what a
``run_source_checks`` call per month gives (results and rejects), with the monthly suites
validated in one GX pass and the reference files once."""
from __future__ import annotations


import duckdb
import pytest

import gates_fixtures as fx
from orchestration.gates import GateConfig, run_source_checks, run_source_checks_for_parts
from orchestration.gates import batch_validation, source_checks
from orchestration.gates.source_checks import check_file_type, check_monthly_file_type
from sources.contracts import ANNUAL_FILE_TYPES, LAS_CLD, MONTHLY_FILE_TYPES, REFERENCE_FILE_TYPES

CFG = GateConfig()
NO_REFERENCE = GateConfig(check_reference_files=False)  # where the reference files are not the point
PARTS = [fx.part(fx.PREV), fx.part(fx.MONTH)]

DEFECTS = (
    # blocking code in both months, at different lines
    """UPDATE raw.las_cld SET "Event Type" = 'Servcie' WHERE (_month = '2024-02-01' AND _line = 3) OR (_month = '2024-03-01' AND _line IN (5, 7))""",
    # WARN code list, earlier month only
    """UPDATE raw.las_cld SET "Ethnicity" = 'Martian' WHERE _month = '2024-02-01' AND _line IN (2, 4)""",
    # month-dependent derived columns: under 18 at the period end; a start after the period end
    """UPDATE raw.las_cld SET "Date of Birth" = DATE '2006-03-15', "Reporting Period End Date" = NULL WHERE _line = 6""",
    """UPDATE raw.las_cld SET "Event Start Date" = DATE '2024-03-10' WHERE _line = 8""",
    # null in a not-null column, pair check, regex, ranges
    """UPDATE raw.las_cld SET "Event Reference" = NULL WHERE _month = '2024-03-01' AND _line = 4""",
    """UPDATE raw.controcc_service_lines SET "End Date" = DATE '2023-01-01' WHERE _line = 4""",
    """UPDATE raw.controcc_service_lines SET "Placement Local Authority" = 'Bristol' WHERE _month = '2024-02-01' AND _line = 5""",
    """UPDATE raw.controcc_service_lines SET "Weekly Cost" = 236.26 WHERE _month = '2024-03-01' AND _line = 3""",
    """UPDATE raw.controcc_payments SET "Amount" = -"Amount" WHERE _month = '2024-02-01' AND _line = 4""",
    """UPDATE raw.cqc_latest_ratings SET "Latest Rating" = 'Brilliant' WHERE _line = 2""",
    # a reference file defect
    """UPDATE raw.element_rung_map SET "Care Ladder Rung" = 'nursing' WHERE "Element Code" = 'NURS01'""",
)


def broken() -> duckdb.DuckDBPyConnection:
    return fx.with_defects(DEFECTS)


@pytest.mark.extended  # the batch against the per-month fallback: tests/test_gates_verdict_store.py and the chunk tests
def test_batch_equals_one_call_per_month():
    batch_con, single_con = broken(), broken()
    batch = run_source_checks_for_parts(batch_con, PARTS, CFG)
    single = {m: run_source_checks(single_con, m, CFG) for m in PARTS}
    assert list(batch) == PARTS
    assert fx.as_dicts(batch) == fx.as_dicts(single)
    assert fx.gate_rejects(batch_con) == fx.gate_rejects(single_con)
    # the defects really were found, in their own month
    failed = {m: {r.name for r in rs if not r.passed} for m, rs in batch.items()}
    assert "las_cld.in_code_list:Ethnicity" in failed[fx.part(fx.PREV)] and "las_cld.in_code_list:Ethnicity" not in failed[fx.part()]
    assert "controcc_service_lines.weekly_cost_equals_rate_x_units:Weekly Cost" in failed[fx.part()] - failed[fx.part(fx.PREV)]
    assert "las_cld.adult_age:Date of Birth" in failed[fx.part(fx.PREV)] - failed[fx.part()]  # 17 in Feb, 18 in Mar
    assert "element_rung_map.in_code_list:Care Ladder Rung" in failed[fx.part(fx.PREV)] & failed[fx.part()]


def test_failing_rows_are_attributed_to_their_month():
    results = run_source_checks_for_parts(broken(), PARTS, NO_REFERENCE)
    prev = next(r for r in results[fx.part(fx.PREV)] if r.name == "las_cld.in_code_list:Event Type")
    cur = next(r for r in results[fx.part()] if r.name == "las_cld.in_code_list:Event Type")
    assert prev.message.startswith("las_cld_2024-02.csv, column 'Event Type': 1 row where") and prev.message.endswith("(first at line 3)")
    assert cur.message.startswith("las_cld_2024-03.csv, column 'Event Type': 2 rows where") and cur.message.endswith("(first at line 5)")
    assert [e["line"] for e in cur.examples] == [5, 7] and {e["file"] for e in cur.examples} == {"las_cld_2024-03.csv"}
    assert (prev.observed["rows_checked"], prev.observed["failing_rows"], cur.observed["failing_rows"]) == (7, 1, 2)
    # the age is taken at each row's own month end (no Reporting Period End Date): 17 in Feb, 18 in Mar
    ages = {m: next(r for r in results[m] if r.name == "las_cld.adult_age:Date of Birth") for m in PARTS}
    assert not ages[fx.part(fx.PREV)].passed and ages[fx.part(fx.PREV)].examples[0]["Date of Birth [age at reporting period end]"] == 17
    assert ages[fx.part()].passed
    future = {m: next(r for r in results[m] if r.name == "las_cld.not_after_period_end:Event Start Date") for m in PARTS}
    assert not future[fx.part(fx.PREV)].passed and future[fx.part()].passed  # 2024-03-10 is after February only


@pytest.mark.parametrize("ft", MONTHLY_FILE_TYPES, ids=lambda ft: ft.key)
def test_one_validation_over_distinct_values_equals_gx_row_by_row(ft):
    con = broken()
    batch = check_monthly_file_type(con, ft, PARTS, CFG)
    assert batch == {m: check_file_type(con, ft, m, CFG) for m in PARTS}  # classic: GX over every row


def test_many_distinct_values_over_several_chunks_equal_row_by_row():
    con = broken()
    # 5000 distinct Unit Costs in March, every 1000th negative; 1 vector = 2048 values per GX chunk
    con.execute(
        """INSERT INTO raw.las_cld SELECT l.* REPLACE ('EV-X' || CAST(i AS VARCHAR) AS "Event Reference",
                  CASE WHEN i % 1000 = 0 THEN -1 - i ELSE 100 + i / 100 END AS "Unit Cost", 100 + i AS _line)
           FROM raw.las_cld l, range(5000) r(i) WHERE _month = '2024-03-01' AND _line = 2"""
    )
    cfg = GateConfig(chunk_vectors=1)
    batch = check_monthly_file_type(con, LAS_CLD, PARTS, cfg)
    assert batch == {m: check_file_type(con, LAS_CLD, m, cfg) for m in PARTS}
    cost = next(r for r in batch[fx.part()][0] if r.name == "las_cld.range:Unit Cost")
    assert cost.observed["failing_rows"] == 5 and cost.message.endswith("(first at line 100)")


@pytest.mark.extended  # batching equals one call per month: test_failing_rows_are_attributed_to_their_month
def test_month_without_rows_and_fallback_give_the_same_results(monkeypatch):
    con = broken()
    con.execute("DELETE FROM raw.cqc_latest_ratings WHERE _month = '2024-02-01'")
    con.execute("DELETE FROM raw._load_log WHERE file = 'cqc_latest_ratings_2024-02.csv'")
    expected = {m: run_source_checks(con, m, NO_REFERENCE) for m in PARTS}
    assert fx.as_dicts(run_source_checks_for_parts(con, PARTS, NO_REFERENCE)) == fx.as_dicts(expected)
    # an expectation type the distinct-value pass does not know: every month is validated alone
    monkeypatch.setattr(batch_validation, "ROW_WISE_TYPES", frozenset())
    assert batch_validation.validate_months(con, {"expectations": [{"type": "expect_x", "kwargs": {}, "meta": {}}]}, "SELECT 1", {}) is None
    assert fx.as_dicts(run_source_checks_for_parts(con, PARTS, NO_REFERENCE)) == fx.as_dicts(expected)


def test_reference_files_are_validated_once_and_their_rejects_written_once(monkeypatch):
    calls: list[str] = []
    real = source_checks.check_file_type

    def counting(con, ft, month, config):
        calls.append(ft.key)
        return real(con, ft, month, config)

    monkeypatch.setattr(source_checks, "check_file_type", counting)
    con = broken()
    results = run_source_checks_for_parts(con, PARTS, CFG)
    once = [ft.key for ft in (*ANNUAL_FILE_TYPES, *REFERENCE_FILE_TYPES)]
    assert calls == once  # and no monthly file type went month by month
    for m in PARTS:
        r = next(x for x in results[m] if x.name == "element_rung_map.in_code_list:Care Ladder Rung")
        assert r.part == m and not r.passed
    rows = con.execute(
        "SELECT month, check_name FROM raw._rejects WHERE file_type = 'element_rung_map'"
    ).fetchall()
    assert rows == [(None, "element_rung_map.in_code_list:Care Ladder Rung")]
    # a rerun after the fix clears them
    con.execute("""UPDATE raw.element_rung_map SET "Care Ladder Rung" = 'Nursing' WHERE "Element Code" = 'NURS01'""")
    run_source_checks_for_parts(con, PARTS, CFG)
    assert con.execute("SELECT count(*) FROM raw._rejects WHERE file_type = 'element_rung_map'").fetchone()[0] == 0


def test_no_months_gives_nothing():
    con = fx.build_clean(with_mart=False)
    assert run_source_checks_for_parts(con, [], CFG) == {}
    assert con.execute("SELECT count(*) FROM raw._rejects").fetchone()[0] == 0
