"""Reconciliation checks over the raw tables (and the care-ladder mart when it exists)."""
from __future__ import annotations

import duckdb
import pytest

import gates_fixtures as fx
from orchestration.gates import CheckResult, GateConfig, ReconTables, run_reconciliation_checks

CFG = GateConfig()


def by_name(results: list[CheckResult], name: str) -> CheckResult:
    [r] = [r for r in results if r.name == name]
    return r


def failed(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.passed and not r.skipped]


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    c = fx.build_clean()
    yield c
    c.close()


def run(con: duckdb.DuckDBPyConnection, config: GateConfig = CFG) -> list[CheckResult]:
    return run_reconciliation_checks(con, fx.part(), config)


def test_clean_month_reconciles(con):
    results = run(con)
    assert failed(results) == []
    assert not any(r.skipped for r in results)
    total = by_name(results, "controcc_payments.reconciles_to_committed_cost")
    assert total.observed["paid"] == total.observed["committed"] == pytest.approx(8187.32)
    assert {r.name for r in results} >= {
        "las_cld.long_term_service_has_funding_line",
        "controcc_service_lines.element_code_mapped",
        "controcc_service_lines.cqc_location_in_hsca",
        "care_ladder_monthly.shares_sum_to_100:pct_spend",
        "care_ladder_monthly.shares_sum_to_100:pct_activity",
        "gates.reconciliation.completed",
    }


def test_unmapped_element_code(con):
    con.execute("""UPDATE raw.controcc_service_lines SET "Element Code" = 'ZZ99' WHERE _month = '2024-03-01' AND _line = 5""")
    results = run(con)
    r = by_name(results, "controcc_service_lines.element_code_mapped")
    assert not r.passed and r.severity == "ERROR"
    assert r.message == (
        "controcc_service_lines_2024-03.csv, column 'Element Code': 1 row where Element Code is not mapped to a "
        "care-ladder rung in raw.element_rung_map (codes: ZZ99) (first at line 5)"
    )
    assert r.observed["unmapped_codes"] == ["ZZ99"]
    assert r.examples[0]["Service Agreement ID"] == "SA4"


def test_payments_that_do_not_reconcile(con):
    # SA1 paid twice its committed cost: total 3985.71 over (8187.32 committed) -> ~49% apart
    con.execute("""UPDATE raw.controcc_payments SET "Amount" = "Amount" * 2 WHERE _month = '2024-03-01' AND _line = 2""")
    results = run(con)
    total = by_name(results, "controcc_payments.reconciles_to_committed_cost")
    assert not total.passed and total.severity == "ERROR"
    assert total.message.startswith(
        "controcc_payments_2024-03.csv, column 'Amount': reconciles_to_committed_cost: payments £11,915.89"
    )
    assert "vs committed cost £8,187.32" in total.message and "tolerance 2%" in total.message
    assert total.examples[0]["Service Agreement ID"] == "SA1"
    line = by_name(results, "controcc_payments.line_reconciles_to_committed_cost")
    assert not line.passed and line.severity == "WARN" and "(first at line 2)" in line.message
    # a wider tolerance accepts it
    assert by_name(run(con, GateConfig(reconciliation_tolerance=0.5)), total.name).passed


def test_small_payment_differences_are_within_tolerance(con):
    con.execute("""UPDATE raw.controcc_payments SET "Amount" = "Amount" + 10 WHERE _month = '2024-03-01' AND _line = 2""")
    assert failed(run(con)) == []


def test_reversal_and_repayment_net_out(con):
    con.execute(
        """INSERT INTO raw.controcc_payments SELECT * REPLACE ('PAY-R' AS "Payment ID", -"Amount" AS "Amount",
                  'Reversed' AS "Payment Status", 10 AS _line)
           FROM raw.controcc_payments WHERE _month = '2024-03-01' AND _line = 3"""
    )
    con.execute(
        """INSERT INTO raw.controcc_payments SELECT * REPLACE ('PAY-P' AS "Payment ID", 11 AS _line)
           FROM raw.controcc_payments WHERE _month = '2024-03-01' AND _line = 3"""
    )
    assert failed(run(con)) == []


def test_reversal_of_an_earlier_months_payment_and_reissue(con):
    # February's payment for January's period of SA1 is reversed and paid again in March:
    # March nets to zero for that period, but across files the period is paid exactly once.
    con.execute(
        """INSERT INTO raw.controcc_payments SELECT * REPLACE (DATE '2024-03-01' AS _month,
                  'controcc_payments_2024-03.csv' AS _file, 'PAY-R' AS "Payment ID", -"Amount" AS "Amount",
                  'Reversed' AS "Payment Status", 20 AS _line)
           FROM raw.controcc_payments WHERE _month = '2024-02-01' AND _line = 2"""
    )
    con.execute(
        """INSERT INTO raw.controcc_payments SELECT * REPLACE (DATE '2024-03-01' AS _month,
                  'controcc_payments_2024-03.csv' AS _file, 'PAY-P' AS "Payment ID", 21 AS _line)
           FROM raw.controcc_payments WHERE _month = '2024-02-01' AND _line = 2"""
    )
    results = run(con)
    assert failed(results) == []
    total = by_name(results, "controcc_payments.reconciles_to_committed_cost")
    assert total.observed["paid"] == total.observed["committed"] == pytest.approx(8187.32 + 900 * 31 / 7, abs=0.01)


def test_payment_for_unknown_line_is_left_out_and_warned(con):
    con.execute("""UPDATE raw.controcc_payments SET "Service Agreement ID" = 'SA404' WHERE _month = '2024-03-01' AND _line = 5""")
    results = run(con)
    r = by_name(results, "controcc_payments.pays_known_service_line")
    assert not r.passed and r.severity == "WARN"
    assert "controcc_payments_2024-03.csv, column 'Line No': 1 row where Service Agreement ID + Line No matches no" in r.message
    total = by_name(results, "controcc_payments.reconciles_to_committed_cost")
    assert total.passed and total.observed["unknown_line_periods"] == 1


def test_long_term_service_without_funding_line(con):
    con.execute("""UPDATE raw.controcc_service_lines SET "Event Reference" = NULL WHERE _month = '2024-03-01' AND "Event Reference" = 'EV-2'""")
    r = by_name(run(con), "las_cld.long_term_service_has_funding_line")
    assert not r.passed and r.severity == "ERROR"
    assert r.message == (
        "las_cld_2024-03.csv, column 'Event Reference': 1 row where a long-term Service event active at 2024-03-31 "
        "has no ContrOCC service line with that Event Reference and is not a Direct Payment (first at line 3)"
    )
    assert r.examples[0]["Event Reference"] == "EV-2"
    assert set(r.examples[0]) <= {"file", "line", "Event Reference", "LA Person Unique Identifier", "Service Type",
                                  "Delivery Mechanism", "Event Start Date"}


def test_cqc_location_missing_from_hsca(con):
    con.execute("""DELETE FROM raw.cqc_hsca_active_locations WHERE _month = '2024-03-01' AND "Location ID" = '1-103'""")
    r = by_name(run(con), "controcc_service_lines.cqc_location_in_hsca")
    assert not r.passed and r.severity == "ERROR"
    assert "column 'CQC Location ID': 1 row where a line active in the month names a CQC Location ID" in r.message
    assert "cqc_hsca_active_locations_2024-03.csv" in r.message and r.examples[0]["CQC Location ID"] == "1-103"


def test_la_code_must_be_the_council(con):
    con.execute("""UPDATE raw.las_cld SET "LA Code" = 'E06000022' WHERE _month = '2024-03-01' AND _line IN (2, 3)""")
    r = by_name(run(con), "las_cld.la_code_is_council")
    assert not r.passed and r.observed["failing_rows"] == 2


def test_a_council_s_checks_read_its_own_rows_only(con):
    """Another council's rows in the same warehouse (here: the same extracts loaded as
    E06000022's, with its LA Code) neither fail nor pass this council's checks."""
    for ft in ("las_cld", "controcc_service_lines", "controcc_payments", "element_rung_map", "cqc_hsca_active_locations"):
        con.execute(f"""INSERT INTO raw.{ft} SELECT * REPLACE ('E06000022' AS _council) FROM raw.{ft}""")
    con.execute("""UPDATE raw.las_cld SET "LA Code" = 'E06000022' WHERE _council = 'E06000022'""")
    con.execute("""DELETE FROM raw.element_rung_map WHERE _council = 'E06000022'""")  # its lines all unmapped
    mine = run(con)
    assert [r.name for r in mine if not r.passed] == []
    theirs = run_reconciliation_checks(con, fx.part(council="E06000022"), CFG)
    assert not by_name(theirs, "controcc_service_lines.element_code_mapped").passed
    assert by_name(theirs, "las_cld.la_code_is_council").passed


def test_care_ladder_shares_must_sum_to_100(con):
    con.execute("""UPDATE marts.care_ladder_monthly SET pct_spend = 90 WHERE care_ladder_rung = 'Home Care'""")
    results = run(con)
    r = by_name(results, "care_ladder_monthly.shares_sum_to_100:pct_spend")
    assert not r.passed and r.severity == "ERROR"
    assert r.message == (
        "marts.care_ladder_monthly, column 'pct_spend': 1 age bands where Tier 3 pct_spend does not sum to 100 "
        "(18-64: 90.0)"
    )
    assert by_name(results, "care_ladder_monthly.shares_sum_to_100:pct_activity").passed


def test_missing_mart_is_skipped_not_failed():
    con = fx.build_clean(with_mart=False)
    results = run(con)
    r = by_name(results, "care_ladder_monthly.shares_sum_to_100:pct_spend")
    assert r.skipped and not r.blocking and "skipped" in r.message
    assert failed(results) == []


def test_tables_are_parameters(con):
    con.execute("CREATE SCHEMA staging")
    con.execute("CREATE TABLE staging.lines AS SELECT * FROM raw.controcc_service_lines WHERE \"Element Code\" <> 'DAY01'")
    results = run_reconciliation_checks(con, fx.part(), CFG, ReconTables(service_lines="staging.lines"))
    assert by_name(results, "controcc_payments.pays_known_service_line").observed["failing_rows"] == 1
    missing = run_reconciliation_checks(con, fx.part(), CFG, ReconTables(element_rung_map="raw.nope"))
    r = by_name(missing, "controcc_service_lines.element_code_mapped")
    assert not r.passed and "raw.nope not found" in r.message
