"""Data-quality gates: GX suites over the raw rows, SQL reconciliation, results in
``audit.check_results``, rejects in ``raw._rejects`` and the month's HTML report.

Orchestrator API::

    part = Part("E06000023", "2024-03")                            # a council's month
    results = run_source_checks(con, part, config)                  # after loading, before dbt
    by_part = run_source_checks_for_parts(con, [part, Part("E06000022", "2024-03")], config)  # one call
    record_results(con, results)
    results += run_reconciliation_checks(con, part, config)        # after dbt
    record_results(con, results)
    blocking_failures(con, part)         # what publishing calls: [] means publishable
    render_report_html(results, part); summary_for_manifest(results)
"""
from orchestration.gates.config import GateConfig, load_gate_config
from orchestration.gates.reconciliation import ReconTables, run_reconciliation_checks
from orchestration.gates.report import render_report_html, summary_for_manifest
from orchestration.gates.results import CheckResult, blocking_failures, clear_month, load_results, record_results
from orchestration.gates.source_checks import run_source_checks, run_source_checks_for_parts
from orchestration.partitions_key import Part

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
    "run_source_checks_for_parts",
    "Part",
    "summary_for_manifest",
]
