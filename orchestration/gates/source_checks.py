"""Source checks, run after loading and before dbt, for one council-month or many at once.

``run_source_checks_for_parts(con, parts, config)`` (``run_source_checks(con, part, config)`` is
the same for one; a ``Part`` is a council and a month):
1. file-level checks from ``raw._load_log`` (``row_accounting``), per council-month;
2. per monthly file type: the committed GX suite (``expectations/<key>.json``) over the raw rows
   of ALL the council-months in one validation (``batch_validation``: GX judges each
   expectation's distinct values, failing rows are attributed back to their council and month
   through ``_council``/``_month``/``_file``), falling back to a validation of each council-month
   on its own streamed out of DuckDB in bounded chunks (``gx_runner``) when that cannot be exact
   (given a ``VerdictStore``, GX judges only the values it has not judged before under the same
   expectation: ``verdict_store``); plus SQL checks that need the whole month (uniqueness, column
   types, row-count drift against the council's previous month), per council-month;
3. the same for each council's reference and annual files, validated ONCE (they are not
   partitioned by month) and copied to every one of the council's months' results, unless
   ``config.check_reference_files`` is off; a later run reuses those results while the files,
   suites, config and checking code are unchanged (``reference_cache``);
4. rows failing row-level checks are written to ``raw._rejects`` (``quarantine``): under their
   council and month for monthly files, once per council with month NULL for reference and
   annual files;
5. a marker result per council-month saying the stage ran (``blocking_failures`` needs it).
Results are returned, not recorded: the caller passes them to ``record_results``.
"""
from __future__ import annotations

import copy
import dataclasses
from typing import Any

import duckdb

from orchestration.gates import coverage_checks, identity_checks, reference_cache, row_accounting, sql_checks, value_checks
from orchestration.gates.batch_validation import validate_months
from orchestration.gates.config import GateConfig, load_gate_config
from orchestration.gates.gx_runner import ExpectationOutcome, validate_rows
from orchestration.gates.quarantine import RejectRow, write_gate_rejects
from orchestration.gates.results import CheckResult, failure_message, stage_marker
from orchestration.gates.row_select import batch_select_sql, select_sql
from orchestration.gates.sqlutil import catalog_snapshot, file_label, files_by_part, files_in, partition_filter, raw_table, table_exists
from orchestration.gates.suites import load_suite_json
from orchestration.gates.verdict_store import VerdictStore
from orchestration.partitions_key import Part
from sources.contracts import ANNUAL_FILE_TYPES, MONTHLY_FILE_TYPES, REFERENCE_FILE_TYPES, FileType

__all__ = ["check_file_type", "expectation_parameters", "run_source_checks", "run_source_checks_for_parts", "select_sql"]

Checked = tuple[list[CheckResult], list[RejectRow]]


def expectation_parameters(config: GateConfig) -> dict[str, Any]:
    """Values for the ``$PARAMETER`` placeholders the suites use."""
    return {
        "cost_ceiling": config.cost_ceiling,
        "unit_cost_ceiling": config.unit_cost_ceiling,
        "payment_ceiling": config.payment_ceiling,
        "min_age": config.min_age,
    }


def _outcome_to_result(
    ft: FileType, part: Part, outcome: ExpectationOutcome, files: str, config: GateConfig
) -> tuple[CheckResult, list[RejectRow]]:
    meta = outcome.meta
    name = meta["name"]
    sev = config.severity_for(name, meta["severity"])
    column = None if meta["column"] == "*" else meta["column"]
    what = meta["fail_text"]
    base: dict[str, Any] = dict(name=name, target=raw_table(ft), severity=sev, month=part.month,
                                council=part.council, column=column)
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
    con: duckdb.DuckDBPyConnection, ft: FileType, part: Part, config: GateConfig
) -> tuple[list[CheckResult], list[RejectRow]]:
    """Suite + SQL checks of one file type for the council-month (nothing when its raw table is
    absent or, for reference/annual files, holds no row of the council; a missing monthly file is
    reported by file_loaded)."""
    table = raw_table(ft)
    if not table_exists(con, table):
        return [], []
    where, params = partition_filter(ft, part)
    found = files_in(con, table, where, params)
    if not found and ft.scope != "monthly":
        return [], []
    files = file_label(found, ft.file_name(part.month) if ft.scope == "monthly" else ft.file_pattern)
    suite_d = load_suite_json(ft.key)
    sql, sql_params = select_sql(ft, suite_d, part)
    outcomes = validate_rows(
        con, suite_d, sql, sql_params, expectation_parameters(config),
        chunk_vectors=config.chunk_vectors, max_examples=config.max_examples,
    )
    return _with_sql_checks(con, ft, part, config, _results_of(ft, part, outcomes, files, config))


def _results_of(ft: FileType, part: Part, outcomes: list[ExpectationOutcome], files: str, config: GateConfig) -> Checked:
    results: list[CheckResult] = []
    rejects: list[RejectRow] = []
    for o in outcomes:
        r, rej = _outcome_to_result(ft, part, o, files, config)
        results.append(r)
        rejects += rej
    return results, rejects


def _with_sql_checks(con: duckdb.DuckDBPyConnection, ft: FileType, part: Part, config: GateConfig,
                     checked: Checked) -> Checked:
    """The suite's results followed by the SQL checks of the council-month (uniqueness, types, drift)."""
    results, rejects = list(checked[0]), list(checked[1])
    uniq, rej = sql_checks.uniqueness_checks(con, ft, part, config)
    results += uniq
    rejects += rej
    for extra in (sql_checks.column_type_check(con, ft, part, config), sql_checks.drift_check(con, ft, part, config)):
        if extra is not None:
            results.append(extra)
    return results, rejects


def check_monthly_file_type(
    con: duckdb.DuckDBPyConnection, ft: FileType, parts: list[Part], config: GateConfig,
    verdicts: VerdictStore | None = None,
) -> dict[Part, Checked]:
    """``check_file_type`` of a monthly file type for several council-months, with ONE GX
    validation over the rows of all of them (``batch_validation``); a council-month without rows,
    or every one when the batch cannot be exact, is checked on its own."""
    if not table_exists(con, raw_table(ft)):
        return {p: ([], []) for p in parts}
    suite_d = load_suite_json(ft.key)
    sql = batch_select_sql(ft, suite_d, parts)
    by_part = None
    if sql is not None:
        by_part = validate_months(
            con, suite_d, sql, expectation_parameters(config),
            chunk_vectors=config.chunk_vectors, max_examples=config.max_examples, verdicts=verdicts,
        )
    if not by_part:
        return {p: check_file_type(con, ft, p, config) for p in parts}
    files = files_by_part(con, raw_table(ft), parts)
    unique = sql_checks.uniqueness_checks_for_parts(con, ft, parts, config)
    drift = sql_checks.drift_checks(con, ft, parts, config)
    out: dict[Part, Checked] = {}
    for p in parts:
        if p not in by_part:
            out[p] = check_file_type(con, ft, p, config)
            continue
        results, rejects = _results_of(ft, p, by_part[p], file_label(files.get(p, []), ft.file_name(p.month)), config)
        results += unique.get(p, ([], []))[0]
        rejects += unique.get(p, ([], []))[1]
        results += [x for x in (sql_checks.column_type_check(con, ft, p, config), drift.get(p)) if x is not None]
        out[p] = results, rejects
    return out


def _for_part(r: CheckResult, part: Part) -> CheckResult:
    return dataclasses.replace(r, month=part.month, council=part.council, examples=copy.deepcopy(r.examples),
                               observed=copy.deepcopy(r.observed))


def run_source_checks_for_parts(
    con: duckdb.DuckDBPyConnection, parts: list[Part], config: GateConfig | None = None,
    verdicts: VerdictStore | None = None,
) -> dict[Part, list[CheckResult]]:
    """Every source check of each council-month (see module docstring), keyed by ``Part`` in the
    order given; their gate rejects (and the councils' reference files', when checked) are
    rewritten. With ``verdicts`` GX judges only values it has not judged before (``verdict_store``)."""
    config = config or load_gate_config()
    parts = list(dict.fromkeys(Part.of(*p) for p in parts))
    if not parts:
        return {}
    with catalog_snapshot(con):
        results, rejects, reference_rejects = _check_parts(con, parts, config, verdicts)
    write_gate_rejects(con, rejects, reference_rejects)
    for p in parts:
        results[p].append(stage_marker("gates.source_checks.completed", p, results[p]))
    return results


def _check_parts(
    con: duckdb.DuckDBPyConnection, parts: list[Part], config: GateConfig,
    verdicts: VerdictStore | None = None,
) -> tuple[dict[Part, list[CheckResult]], dict[Part, list[RejectRow]], dict[tuple[str, str], list[RejectRow]]]:
    results = {p: row_accounting.file_checks(con, p, config) for p in parts}
    rejects: dict[Part, list[RejectRow]] = {p: [] for p in parts}
    for ft in MONTHLY_FILE_TYPES:
        for p, (r, rej) in check_monthly_file_type(con, ft, parts, config, verdicts).items():
            results[p] += r
            rejects[p] += rej
    # checks across files and against the council's own history (SQL inside DuckDB)
    for family in (identity_checks, value_checks, coverage_checks):
        for p, (r, rej) in family.checks_for_parts(con, parts, config).items():
            results[p] += r
            rejects[p] += rej
    reference_rejects: dict[tuple[str, str], list[RejectRow]] = {}
    if config.check_reference_files:
        # not partitioned by month: the same rows and results for every month of a council; each
        # council's file type is validated again only when its rows or suite, the thresholds or
        # the checking code changed (reference_cache): a month bringing a new survey file
        # re-validates that council's survey alone
        code = reference_cache.code_digest()
        reference_cache.prepare(con)
        for council in dict.fromkeys(p.council for p in parts):
            first = next(p for p in parts if p.council == council)
            reference: list[CheckResult] = []
            for ft in (*ANNUAL_FILE_TYPES, *REFERENCE_FILE_TYPES):
                key = reference_cache.fingerprint(con, council, [ft], config, code)
                cached = reference_cache.cached_results(con, council, ft.key, key)
                if cached is None:
                    cached, reference_rejects[(council, ft.key)] = check_file_type(con, ft, first, config)
                    reference_cache.store_results(con, council, ft.key, key, cached)
                reference += cached
            for p in parts:
                if p.council == council:
                    results[p] += [_for_part(x, p) for x in reference]
    return results, rejects, reference_rejects


def run_source_checks(
    con: duckdb.DuckDBPyConnection, part: Part, config: GateConfig | None = None
) -> list[CheckResult]:
    """Every source check of the council-month (see module docstring); gate rejects are rewritten."""
    return run_source_checks_for_parts(con, [part], config)[Part.of(*part)]
