"""Data-quality gates: GX suites over the raw rows, SQL reconciliation, results in
``audit.check_results``, rejects in ``raw._rejects`` and the month's HTML report.

Orchestrator API::

    results = run_source_checks(con, "2024-03", config)            # after loading, before dbt
    by_month = run_source_checks_for_months(con, ["2024-02", "2024-03"], config)  # same, one call
    record_results(con, results)
    results += run_reconciliation_checks(con, "2024-03", council, config)  # after dbt
    record_results(con, results)
    blocking_failures(con, "2024-03")    # what publishing calls: [] means publishable
    render_report_html(results, "2024-03"); summary_for_manifest(results)
"""
from orchestration.gates.config import GateConfig, load_gate_config
from orchestration.gates.reconciliation import ReconTables, run_reconciliation_checks
from orchestration.gates.report import render_report_html, summary_for_manifest
from orchestration.gates.results import CheckResult, blocking_failures, clear_month, load_results, record_results
from orchestration.gates.source_checks import run_source_checks, run_source_checks_for_months

__all__ = [
    "CheckResult",
    "GateConfig",
    "ReconTables",
    "blocking_failures",
    "clear_month",
    "load_gate_config",
    "load_results",
    "record_results",
    "render_report_html",
    "run_reconciliation_checks",
    "run_source_checks",
    "run_source_checks_for_months",
    "summary_for_manifest",
]
