"""Check results: the dataclass every gate returns and their home, ``audit.check_results``.

Every result belongs to a council and a month (the warehouse holds any number of councils; a
check that fails for one council blocks that council's month only).  Rerunning a council's month
replaces its rows of the same check name.  ``blocking_failures`` is what the publish step calls: it
re-reads the table and fails closed (a council-month whose source checks, dbt build or
reconciliation checks were never recorded is blocked too).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Literal

import duckdb
import pandas as pd

from orchestration.months import month_label, parse_month
from orchestration.partitions_key import Part

Severity = Literal["ERROR", "WARN"]
AUDIT_SCHEMA = "audit"
RESULTS_TABLE = f"{AUDIT_SCHEMA}.check_results"

# Marker checks each stage emits, so a council-month is only publishable once every stage ran.
STAGE_MARKERS = {
    "gates.source_checks.completed": "source checks (run_source_checks)",
    "gates.dbt.completed": "dbt build and tests",
    "gates.reconciliation.completed": "reconciliation checks (run_reconciliation_checks)",
}

RESULTS_DDL = f"""CREATE TABLE IF NOT EXISTS {RESULTS_TABLE} (
  council_code VARCHAR, month DATE, name VARCHAR, target VARCHAR, severity VARCHAR, passed BOOLEAN,
  skipped BOOLEAN, message VARCHAR, file VARCHAR, "column" VARCHAR, examples JSON, observed JSON,
  recorded_at TIMESTAMP
)"""

RESULT_COLUMNS = ["council_code", "month", "name", "target", "severity", "passed", "skipped", "message", "file",
                  "column", "examples", "observed", "recorded_at"]


@dataclass
class CheckResult:
    name: str  # stable id, e.g. "controcc_service_lines.weekly_cost_equals_rate_x_units:Weekly Cost"
    target: str  # table checked, e.g. "raw.controcc_service_lines"
    severity: Severity
    passed: bool
    message: str
    month: str | None = None  # YYYY-MM
    file: str | None = None
    column: str | None = None
    examples: list[dict[str, Any]] = field(default_factory=list)
    observed: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False  # the check could not apply (e.g. mart not built yet); never blocks
    council: str | None = None  # the council's ONS code

    @property
    def part(self) -> Part | None:
        return Part(self.council, self.month) if self.council and self.month else None

    @property
    def blocking(self) -> bool:
        return self.severity == "ERROR" and not self.passed and not self.skipped

    @property
    def status(self) -> str:
        if self.skipped:
            return "SKIPPED"
        return "PASS" if self.passed else f"FAIL ({self.severity})"

    def to_dict(self) -> dict[str, Any]:
        return json.loads(to_json(asdict(self)))


def _json_default(o: Any) -> Any:
    if isinstance(o, (date, datetime)):
        return o.isoformat()
    if isinstance(o, Decimal):
        return float(o)
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    return str(o)


def to_json(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False)


def ensure_results_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {AUDIT_SCHEMA}")
    con.execute(RESULTS_DDL)


def record_results(con: duckdb.DuckDBPyConnection, results: list[CheckResult]) -> None:
    """Persist results; a rerun replaces rows of the same council + month + name."""
    ensure_results_table(con)
    if not results:
        return
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = [
        (
            r.council,
            parse_month(r.month) if r.month else None,
            r.name,
            r.target,
            r.severity,
            r.passed,
            r.skipped,
            r.message,
            r.file,
            r.column,
            to_json(r.examples),
            to_json(r.observed),
            now,
        )
        for r in results
    ]
    # One statement each way over the rows as a frame: executemany runs a statement per row
    # (a DELETE scanning the table each time), ~1 ms a result.
    new = pd.DataFrame(rows, columns=RESULT_COLUMNS)  # month: date objects, read by DuckDB as DATE
    con.register("_new_check_results", new)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"""DELETE FROM {RESULTS_TABLE} r WHERE EXISTS (
                    SELECT 1 FROM _new_check_results n
                    WHERE n.council_code IS NOT DISTINCT FROM r.council_code
                      AND n.month IS NOT DISTINCT FROM r.month AND n.name = r.name)"""
        )
        con.execute(f"INSERT INTO {RESULTS_TABLE} BY NAME SELECT * FROM _new_check_results")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_new_check_results")


def clear_month(con: duckdb.DuckDBPyConnection, part: Part) -> int:
    """Delete every recorded result of the council's month: a refresh re-decides it from this run
    only, so a check that failed last time and no longer applies cannot keep the month blocked."""
    ensure_results_table(con)
    key = [part.council, parse_month(part.month)]
    where = "council_code = ? AND month = ?"
    n = con.execute(f"SELECT count(*) FROM {RESULTS_TABLE} WHERE {where}", key).fetchone()[0]
    con.execute(f"DELETE FROM {RESULTS_TABLE} WHERE {where}", key)
    return int(n)


def load_results(con: duckdb.DuckDBPyConnection, part: Part) -> list[CheckResult]:
    """Every recorded result of the council's month, in check-name order."""
    ensure_results_table(con)
    rows = con.execute(
        f"""SELECT name, target, severity, passed, message, month, file, "column",
                   CAST(examples AS VARCHAR), CAST(observed AS VARCHAR), skipped, council_code
            FROM {RESULTS_TABLE} WHERE council_code = ? AND month = ? ORDER BY name""",
        [part.council, parse_month(part.month)],
    ).fetchall()
    return [
        CheckResult(
            name=r[0],
            target=r[1],
            severity=r[2],
            passed=bool(r[3]),
            message=r[4],
            month=month_label(r[5]) if r[5] else None,
            file=r[6],
            column=r[7],
            examples=json.loads(r[8]) if r[8] else [],
            observed=json.loads(r[9]) if r[9] else {},
            skipped=bool(r[10]),
            council=r[11],
        )
        for r in rows
    ]


def blocking_failures(con: duckdb.DuckDBPyConnection, part: Part) -> list[CheckResult]:
    """Failed ERROR checks recorded for the council's month; a missing stage is itself a failure."""
    recorded = load_results(con, part)
    label = month_label(part.month)
    names = {r.name for r in recorded}
    missing = [
        CheckResult(
            name=marker,
            target=RESULTS_TABLE,
            severity="ERROR",
            passed=False,
            message=f"{part.council} {label}: no {what} recorded in {RESULTS_TABLE}; run the gates before publishing",
            month=label,
            council=part.council,
        )
        for marker, what in STAGE_MARKERS.items()
        if marker not in names
    ]
    return sorted((r for r in recorded if r.blocking), key=cause_rank) + missing


# The order in which a blocked council-month's failures are told: the root cause first (a file that
# is missing, rejected or loses rows stops everything after it), its consequences after (a missing
# file also makes the row count drop 100% and the reconciliation miss its rows). A stage that did
# not run at all comes last (blocking_failures appends it).
FILE_LEVEL = ("file_loaded", "rows_rejected", "rows_accounted", "rows_in_raw", "column_types")


def cause_rank(r: CheckResult) -> tuple[int, str]:
    check = r.name.split(".", 1)[-1].split(":", 1)[0]
    if r.name.startswith("dbt:") or r.name == "gates.dbt.completed":
        rank = 5
    elif check in FILE_LEVEL:
        rank = 0
    elif check == "drift":
        rank = 4  # a file that lost its rows: usually a consequence of one rejected or missing
    elif check.startswith(("unique", "in_code_list", "not_null", "range", "type", "regex", "pair")):
        rank = 1
    else:
        rank = 2
    return rank, r.name


def stage_marker(stage_name: str, part: Part, results: list[CheckResult]) -> CheckResult:
    """The result saying a stage ran to the end for a council's month, with its own pass/fail
    counts."""
    month = part.month
    failed = [r for r in results if not r.passed and not r.skipped]
    errors = sum(r.severity == "ERROR" for r in failed)
    return CheckResult(
        name=stage_name,
        target=RESULTS_TABLE,
        severity="WARN",
        passed=True,
        message=(
            f"{STAGE_MARKERS[stage_name]} ran for {month_label(month)}: {len(results)} checks, "
            f"{errors} failed ERROR, {len(failed) - errors} failed WARN"
        ),
        month=month_label(month),
        council=part.council,
        observed={"checks": len(results), "failed_error": errors, "failed_warn": len(failed) - errors},
    )


def failure_message(file: str | None, column: str | None, count: int, what: str, first_line: int | None) -> str:
    """``"<file>, column '<col>': <n> rows where <what> (first at line <k>)"``."""
    where = ", ".join(p for p in (file, f"column '{column}'" if column else None) if p)
    noun = "row" if count == 1 else "rows"
    first = f" (first at line {first_line})" if first_line is not None else ""
    return f"{where}: {count} {noun} where {what}{first}"
