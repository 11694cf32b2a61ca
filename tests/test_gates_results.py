"""audit.check_results persistence, the publish-side read, the HTML report, the manifest summary
and GateConfig overrides."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

import duckdb
import pytest

import gates_fixtures as fx
from ui_helpers import CHROMIUM
from orchestration.gates import (
    CheckResult,
    GateConfig,
    blocking_failures,
    load_gate_config,
    load_results,
    record_results,
    render_report_html,
    run_reconciliation_checks,
    run_source_checks,
    summary_for_manifest,
)
from orchestration.gates.results import STAGE_MARKERS, stage_marker


def _result(name: str, passed: bool, severity: str = "ERROR", **kw) -> CheckResult:
    return CheckResult(name=name, target="raw.x", severity=severity, passed=passed, message=f"{name} msg",
                       month="2024-03", council=fx.COUNCIL, **kw)


def _markers() -> list[CheckResult]:
    return [stage_marker(name, fx.part("2024-03"), []) for name in STAGE_MARKERS]


def test_record_replaces_same_month_and_name():
    con = duckdb.connect()
    record_results(con, [_result("a", False), _result("b", True), *_markers()])
    record_results(con, [_result("a", True)])
    rows = con.execute("SELECT name, passed FROM audit.check_results WHERE name IN ('a','b') ORDER BY name").fetchall()
    assert rows == [("a", True), ("b", True)]
    assert blocking_failures(con, fx.part("2024-03")) == []
    # another month is untouched by this month's rerun
    other = CheckResult(name="a", target="raw.x", severity="ERROR", passed=False, message="m", month="2024-04",
                        council=fx.COUNCIL)
    other_council = dataclasses.replace(other, month="2024-03", council="E06000022")
    record_results(con, [other, other_council])
    record_results(con, [_result("a", True)])
    assert [r.name for r in blocking_failures(con, fx.part("2024-04")) if r.name == "a"] == ["a"]
    # another council's month is untouched too, and blocked on its own
    assert [r.name for r in blocking_failures(con, fx.part("2024-03", "E06000022")) if r.name == "a"] == ["a"]
    assert blocking_failures(con, fx.part("2024-03")) == []


def test_every_field_is_kept_and_a_result_without_a_month_is_replaced_by_its_rerun():
    con = duckdb.connect()
    full = CheckResult(name="c", target="raw.x", severity="WARN", passed=False, message="m £", month="2024-03",
                       file="f.csv", column="Weekly Cost", examples=[{"line": 3, "value": "1.2E+05"}],
                       observed={"unexpected_count": 1})
    no_month = CheckResult(name="r", target="raw.y", severity="ERROR", passed=False, message="reference")
    record_results(con, [full, no_month])
    record_results(con, [dataclasses.replace(no_month, passed=True)])
    rows = con.execute("""SELECT month, name, severity, passed, skipped, message, file, "column",
                                 examples::VARCHAR, observed::VARCHAR
                          FROM audit.check_results ORDER BY name""").fetchall()
    assert rows == [
        (dt.date(2024, 3, 1), "c", "WARN", False, False, "m £", "f.csv", "Weekly Cost",
         '[{"line": 3, "value": "1.2E+05"}]', '{"unexpected_count": 1}'),
        (None, "r", "ERROR", True, False, "reference", None, None, "[]", "{}"),
    ]


def test_clear_month_removes_only_that_month():
    from orchestration.gates import clear_month

    con = duckdb.connect()
    other = CheckResult(name="a", target="raw.x", severity="ERROR", passed=False, message="m", month="2024-04",
                        council=fx.COUNCIL)
    record_results(con, [_result("a", False), *_markers(), other, dataclasses.replace(other, month="2024-03", council="X")])
    assert clear_month(con, fx.part("2024-03")) == 4
    assert len(load_results(con, fx.part("2024-03", "X"))) == 1
    assert load_results(con, fx.part("2024-03")) == [] and len(load_results(con, fx.part("2024-04"))) == 1


def test_blocking_failures_reads_back_error_failures_only():
    con = duckdb.connect()
    ex = [{"file": "f.csv", "line": 3, "Event Reference": "EV-2"}]
    record_results(con, [_result("err", False, examples=ex, column="Event Type", file="f.csv",
                                 observed={"failing_rows": 1}),
                         _result("warn", False, "WARN"), _result("ok", True), *_markers()])
    [b] = blocking_failures(con, fx.part("2024-03"))
    assert (b.name, b.severity, b.passed, b.column, b.file, b.examples, b.observed) == (
        "err", "ERROR", False, "Event Type", "f.csv", ex, {"failing_rows": 1})
    assert len(load_results(con, fx.part("2024-03"))) == 6


def test_blocking_failures_fails_closed_when_a_stage_never_ran():
    con = duckdb.connect()
    names = [r.name for r in blocking_failures(con, fx.part("2024-03"))]
    assert names == ["gates.source_checks.completed", "gates.dbt.completed", "gates.reconciliation.completed"]
    record_results(con, _markers()[:2])
    [missing] = blocking_failures(con, fx.part("2024-03"))
    assert missing.name == "gates.reconciliation.completed" and "run the gates" in missing.message


def test_the_failed_checks_come_before_the_stages_that_did_not_run():
    con = duckdb.connect()
    record_results(con, [_result("err", False), _markers()[0]])
    assert [r.name for r in blocking_failures(con, fx.part("2024-03"))] == [
        "err", "gates.dbt.completed", "gates.reconciliation.completed"]


def test_end_to_end_clean_month_is_publishable_and_defect_blocks():
    con = fx.build_clean()
    cfg = GateConfig()
    record_results(con, run_source_checks(con, fx.part(), cfg))
    record_results(con, run_reconciliation_checks(con, fx.part(), cfg))
    record_results(con, [stage_marker("gates.dbt.completed", fx.part(), [])])
    assert blocking_failures(con, fx.part()) == []
    con.execute("""UPDATE raw.controcc_service_lines SET "Weekly Cost" = 999 WHERE _month = '2024-03-01' AND _line = 2""")
    record_results(con, run_source_checks(con, fx.part(), cfg))
    names = {r.name for r in blocking_failures(con, fx.part())}
    assert "controcc_service_lines.weekly_cost_equals_rate_x_units:Weekly Cost" in names


def test_report_html_lists_checks_and_examples_without_personal_data():
    fail = _result("controcc_service_lines.weekly_cost_equals_rate_x_units:Weekly Cost", False,
                   file="controcc_service_lines_2024-03.csv", column="Weekly Cost",
                   examples=[{"file": "controcc_service_lines_2024-03.csv", "line": i, "Service Agreement ID": f"SA{i}",
                              "Date of Birth": "1940-05-17", "Weekly Cost": "<b>1</b>"} for i in range(2, 10)])
    warn = _result("las_cld.in_code_list:Ethnicity", False, "WARN")
    html = render_report_html([fail, warn, _result("ok", True)], fx.part("2024-03"))
    assert html.startswith("<!DOCTYPE html>") and "Blocked" in html
    assert "FAIL (ERROR)" in html and "FAIL (WARN)" in html and "PASS" in html
    assert "SA2" in html and "SA6" in html and "SA7" not in html  # at most 5 examples
    assert "1940-05-17" not in html and "Date of Birth" not in html
    assert "<b>1</b>" not in html and "&lt;b&gt;1&lt;/b&gt;" in html
    assert html.index("weekly_cost") < html.index("in_code_list:Ethnicity") < html.index(">ok<")


def _wide_month() -> list[CheckResult]:
    """A blocked month as the issue saw it: long check names and file names, and failures whose
    example rows have many wide columns."""
    examples = [{"file": "controcc_service_lines_2024-03.csv", "line": i,
                 **{f"Column with a long name {k}": f"value-{'x' * 30}-{k}" for k in range(14)}} for i in range(2, 7)]
    warn = _result("controcc_service_lines.in_code_list:Element Code of a very long column name", False, "WARN",
                   file="controcc_service_lines_2024-03_with_a_very_long_file_name_from_the_extract.csv",
                   examples=examples)
    drift = _result("las_cld.drift:rows", False, file="las_cld_2024-03.csv")
    rejected = dataclasses.replace(_result("las_cld.rows_rejected", False, file="las_cld_2024-03.csv", examples=examples),
                                   message="las_cld_2024-03.csv: 12 rows rejected (" + "unparseable date; " * 12 + ")")
    # dbt names its tests after their arguments: names of ~200 characters without a space
    dbt = _result("dbt:accepted_values_stg_cqc__hsca_active_locations_latest_overall_rating__Outstanding__Good__"
                  "Requires_improvement__Inadequate__Not_Rated__Insufficient_evidence_to_rate__Regulations_met__"
                  "Not_applicable", False)
    return [warn, _result("ok", True), drift, rejected, dbt]


def test_report_html_tells_the_blocking_reasons_first_root_cause_first():
    html = render_report_html(_wide_month(), fx.part("2024-03"))
    reasons = html.index("Why it is blocked")
    assert html.index("Blocked") < reasons < html.index("<h2>Checks")
    # the rejected file is the root cause; the drift (its consequence) after it; the warning is no reason
    assert reasons < html.index("las_cld.rows_rejected") < html.index("las_cld.drift:rows")
    assert html.index("in_code_list:Element Code") > html.index("<h2>Checks")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium not installed")
def test_report_html_reasons_wrap_on_screen_at_1400_px(tmp_path):
    """The Detail column (the reason) and the whole page fit a 1,400 px window: cells wrap, and
    wide example rows scroll in their own box."""
    from ui_helpers import layout

    html = render_report_html(_wide_month(), fx.part("2024-03"))
    seen = layout(html, 1400, tmp_path, {'<td class="detail"': "detail", '<ol class="reasons"': "reasons"})
    assert seen["page"] <= 1400, seen
    assert seen["right"] and max(seen["right"].values()) <= 1400, seen


def test_summary_for_manifest_is_json_and_counts():
    results = [_result("a", False), _result("b", False, "WARN"), _result("c", True),
               _result("d", True, skipped=True)]
    s = summary_for_manifest(results)
    json.dumps(s)
    assert (s["month"], s["checks"], s["passed"], s["failed_error"], s["failed_warn"], s["skipped"], s["blocked"]) == (
        "2024-03", 4, 1, 1, 1, 1, True)
    assert s["results"][0]["name"] == "a" and s["results"][0]["status"] == "FAIL (ERROR)"
    assert summary_for_manifest([_result("c", True)])["blocked"] is False


def test_gate_config_from_yml_and_env(tmp_path):
    yml = tmp_path / "gates.yml"
    yml.write_text("gates:\n  drift_threshold: 0.5\n  severities:\n    '*.drift:rows': WARN\n", encoding="utf-8")
    cfg = load_gate_config(yml, env={"ASCW_GATE_RECONCILIATION_TOLERANCE": "0.05", "ASCW_GATE_COST_CEILING": "5000"})
    assert (cfg.drift_threshold, cfg.reconciliation_tolerance, cfg.cost_ceiling) == (0.5, 0.05, 5000.0)
    assert cfg.severity_for("las_cld.drift:rows", "ERROR") == "WARN"
    assert cfg.severity_for("las_cld.unique:Event Reference", "ERROR") == "ERROR"
    env_only = load_gate_config(env={"ASCW_GATE_SEVERITIES": "las_cld.in_code_list:Gender=ERROR"})
    assert env_only.severity_for("las_cld.in_code_list:Gender", "WARN") == "ERROR"
    assert load_gate_config(env={}) == GateConfig()
    with pytest.raises(ValueError):
        load_gate_config(env={"ASCW_GATE_SEVERITIES": "x=FATAL"})
    with pytest.raises(ValueError):
        GateConfig(drift_threshold=0)


def test_the_root_cause_is_told_first_and_its_consequences_after():
    """A rejected file blocks the month; the drift of its rows to zero, the dbt tests and the
    reconciliation that miss them are consequences, told after it."""
    con = duckdb.connect()
    record_results(con, [
        _result("controcc_payments.drift:rows", False),
        _result("dbt:unique_stg_controcc__payments_payment_id", False),
        _result("controcc_payments.pays_known_service_line", False),
        _result("las_cld.in_code_list:Event Type", False),
        _result("controcc_payments.file_loaded", False),
        *_markers()[:1],
    ])
    names = [r.name for r in blocking_failures(con, fx.part("2024-03"))]
    assert names == ["controcc_payments.file_loaded", "las_cld.in_code_list:Event Type",
                     "controcc_payments.pays_known_service_line", "controcc_payments.drift:rows",
                     "dbt:unique_stg_controcc__payments_payment_id", "gates.dbt.completed",
                     "gates.reconciliation.completed"]
