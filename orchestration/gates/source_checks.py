"""Source checks for one month, run after loading and before dbt.

``run_source_checks(con, month, config)``:
1. file-level checks from ``raw._load_log`` (``row_accounting``);
2. per monthly file type: the committed GX suite (``expectations/<key>.json``) over the month's
   raw rows, streamed out of DuckDB in bounded chunks (``gx_runner``), plus SQL checks that need
   the whole month (uniqueness, column types, row-count drift);
3. the same for the reference and annual files (every row; they are small), unless
   ``config.check_reference_files`` is off;
4. rows failing row-level checks are written to ``raw._rejects`` (``quarantine``);
5. a marker result saying the stage ran (``blocking_failures`` needs it).
Results are returned, not recorded: the caller passes them to ``record_results``.
"""
from __future__ import annotations

from string import Template
from typing import Any

import duckdb

from orchestration.gates import row_accounting, sql_checks
from orchestration.gates.config import GateConfig, load_gate_config
from orchestration.gates.gx_runner import ExpectationOutcome, validate_rows
from orchestration.gates.quarantine import RejectRow, write_rejects
from orchestration.gates.results import CheckResult, failure_message, stage_marker
from orchestration.gates.sqlutil import file_label, files_in, partition_filter, q, qualified, raw_table, table_exists
from orchestration.gates.suites import load_suite_json
from orchestration.months import month_end, month_label, parse_month
from sources.contracts import ANNUAL_FILE_TYPES, MONTHLY_FILE_TYPES, REFERENCE_FILE_TYPES, FileType


def expectation_parameters(config: GateConfig) -> dict[str, Any]:
    """Values for the ``$PARAMETER`` placeholders the suites use."""
    return {
        "cost_ceiling": config.cost_ceiling,
        "unit_cost_ceiling": config.unit_cost_ceiling,
        "payment_ceiling": config.payment_ceiling,
        "min_age": config.min_age,
    }


def select_sql(ft: FileType, suite_d: dict[str, Any], month: str) -> tuple[str, list[Any]]:
    """SELECT of the rows to validate: contract + lineage columns and the suite's derived columns."""
    cols = [*ft.column_names]
    if ft.wide_year_columns:
        cols += [ft.extra["year_column"], ft.extra["value_column"]]
    cols += ["_month", "_file", "_line", "_load_id"]
    subst = {"month_start": parse_month(month).isoformat(), "month_end": month_end(month).isoformat()}
    derived: dict[str, str] = {}
    for e in suite_d["expectations"]:
        d = (e.get("meta") or {}).get("derived")
        if d:
            derived[d["column"]] = Template(d["sql"]).substitute(subst)
    parts = [q(c) for c in cols] + [f"({sql}) AS {q(name)}" for name, sql in derived.items()]
    where, takes_month = partition_filter(ft)
    sql = f"SELECT {', '.join(parts)} FROM {qualified(raw_table(ft))} WHERE {where} ORDER BY _file, _line"
    return sql, [parse_month(month)] if takes_month else []


def _outcome_to_result(
    ft: FileType, month: str, outcome: ExpectationOutcome, files: str, config: GateConfig
) -> tuple[CheckResult, list[RejectRow]]:
    meta = outcome.meta
    name = meta["name"]
    sev = config.severity_for(name, meta["severity"])
    column = None if meta["column"] == "*" else meta["column"]
    what = meta["fail_text"]
    base: dict[str, Any] = dict(name=name, target=raw_table(ft), severity=sev, month=month_label(month), column=column)
    if outcome.error:
        return CheckResult(
            passed=False,
            file=files,
            message=f"{files}, column '{column}': check '{meta['check']}' could not run: {outcome.error}",
            observed={"error": outcome.error},
            **base,
        ), []
    if not outcome.row_level:
        missing = (outcome.details.get("details") or {}).get("mismatched", {}) if isinstance(outcome.details, dict) else {}
        return CheckResult(
            passed=outcome.success,
            file=files,
            message=f"{files}: {meta['check']}: " + (f"{what}: {missing}" if not outcome.success else "all present"),
            observed=outcome.details,
            **base,
        ), []
    failing = outcome.unexpected
    if failing:
        first = failing[0]
        message = failure_message(first.file, column, outcome.unexpected_count, what, first.line)
        file = first.file
    else:
        message = f"{files}, column '{column}': {meta['check']} passed ({outcome.element_count} rows checked)"
        file = files
    observed = {
        "rows_checked": outcome.element_count,
        "failing_rows": outcome.unexpected_count,
        "top_values": [{"value": v, "rows": n} for v, n in outcome.value_counts.most_common(5)],
    }
    rejects = [
        RejectRow(
            file_type=ft.key,
            file=u.file,
            line=u.line,
            column=column,
            value=None if u.value is None else str(u.value),
            check_name=name,
            severity=sev,
            description=what,
            load_id=u.load_id,
        )
        for u in failing
    ]
    return CheckResult(
        passed=outcome.unexpected_count == 0 and outcome.success,
        file=file,
        message=message,
        examples=outcome.examples,
        observed=observed,
        **base,
    ), rejects


def check_file_type(
    con: duckdb.DuckDBPyConnection, ft: FileType, month: str, config: GateConfig
) -> tuple[list[CheckResult], list[RejectRow]]:
    """Suite + SQL checks of one file type for the month (nothing when its raw table is absent
    or, for reference/annual files, empty; a missing monthly file is reported by file_loaded)."""
    table = raw_table(ft)
    if not table_exists(con, table):
        return [], []
    where, takes_month = partition_filter(ft)
    params = [parse_month(month)] if takes_month else []
    found = files_in(con, table, where, params)
    if not found and ft.scope != "monthly":
        return [], []
    files = file_label(found, ft.file_name(month_label(month)) if ft.scope == "monthly" else ft.file_pattern)
    suite_d = load_suite_json(ft.key)
    sql, sql_params = select_sql(ft, suite_d, month)
    outcomes = validate_rows(
        con, suite_d, sql, sql_params, expectation_parameters(config),
        chunk_vectors=config.chunk_vectors, max_examples=config.max_examples,
    )
    results: list[CheckResult] = []
    rejects: list[RejectRow] = []
    for o in outcomes:
        r, rej = _outcome_to_result(ft, month, o, files, config)
        results.append(r)
        rejects += rej
    uniq, rej = sql_checks.uniqueness_checks(con, ft, month, config)
    results += uniq
    rejects += rej
    for extra in (sql_checks.column_type_check(con, ft, month, config), sql_checks.drift_check(con, ft, month, config)):
        if extra is not None:
            results.append(extra)
    return results, rejects


def run_source_checks(
    con: duckdb.DuckDBPyConnection, month: str, config: GateConfig | None = None
) -> list[CheckResult]:
    """Every source check of the month (see module docstring); gate rejects are rewritten."""
    config = config or load_gate_config()
    label = month_label(month)
    results = row_accounting.file_checks(con, label, config)
    rejects: list[RejectRow] = []
    file_types = list(MONTHLY_FILE_TYPES)
    if config.check_reference_files:
        file_types += [*ANNUAL_FILE_TYPES, *REFERENCE_FILE_TYPES]
    for ft in file_types:
        r, rej = check_file_type(con, ft, label, config)
        results += r
        rejects += rej
    write_rejects(con, label, rejects)
    results.append(stage_marker("gates.source_checks.completed", label, results))
    return results
