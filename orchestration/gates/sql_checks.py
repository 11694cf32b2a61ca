"""Source checks that need the whole month at once and so run as SQL inside DuckDB:
uniqueness of keys, column types of the raw table, and row-count drift against the previous
loaded month."""
from __future__ import annotations

from typing import Any

import duckdb

from orchestration.gates.config import GateConfig
from orchestration.gates.gx_runner import plain
from orchestration.gates.quarantine import RejectRow
from orchestration.gates.results import CheckResult, failure_message
from orchestration.gates.sqlutil import (
    file_label,
    files_by_month,
    files_in,
    q,
    qualified,
    raw_column_types,
    raw_table,
    table_exists,
)
from orchestration.gates.suites import EXAMPLE_ID_COLUMNS
from orchestration.months import month_label, parse_month
from sources.contracts import FileType, LINEAGE_COLUMNS, raw_columns

# file type -> key column tuples that must be unique within one file
UNIQUE_WITHIN_FILE: dict[str, tuple[tuple[str, ...], ...]] = {
    "las_cld": (("Event Reference",),),
    "controcc_service_lines": (("Service Agreement ID", "Line No"),),
    "controcc_payments": (("Payment ID",),),
    "cqc_hsca_active_locations": (("Location ID",),),
    "element_rung_map": (("Element Code",),),
}
# file type -> key columns that should not reappear from an earlier month (WARN by default)
UNIQUE_ACROSS_MONTHS: dict[str, tuple[str, ...]] = {"controcc_payments": ("Payment ID",)}


def _example(row: dict[str, Any], ft: FileType, keys: tuple[str, ...]) -> dict[str, Any]:
    ex = {"file": row["_file"], "line": plain(row["_line"])}
    for c in (*EXAMPLE_ID_COLUMNS.get(ft.key, ()), *keys):
        if c in row:
            ex[c] = plain(row[c])
    return ex


def _fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _finish(
    ft: FileType,
    month: str,
    name: str,
    severity: str,
    column: str,
    what: str,
    rows: list[dict[str, Any]],
    keys: tuple[str, ...],
    files: str,
    config: GateConfig,
    observed: dict[str, Any],
) -> tuple[CheckResult, list[RejectRow]]:
    sev = config.severity_for(name, severity)
    if rows:
        first = rows[0]
        msg = failure_message(first["_file"], column, len(rows), what, plain(first["_line"]))
    else:
        msg = f"{files}, column '{column}': no rows where {what}"
    result = CheckResult(
        name=name,
        target=raw_table(ft),
        severity=sev,  # type: ignore[arg-type]
        passed=not rows,
        message=msg,
        month=month_label(month),
        file=rows[0]["_file"] if rows else files,
        column=column,
        examples=[_example(r, ft, keys) for r in rows[: config.max_examples]],
        observed={**observed, "failing_rows": len(rows)},
    )
    rejects = [
        RejectRow(
            file_type=ft.key,
            file=r["_file"],
            line=plain(r["_line"]),
            column=column,
            value=" | ".join(str(plain(r[k])) for k in keys),
            check_name=name,
            severity=sev,
            description=what,
            load_id=r.get("_load_id"),
        )
        for r in rows
    ]
    return result, rejects


def uniqueness_checks(
    con: duckdb.DuckDBPyConnection, ft: FileType, month: str, config: GateConfig
) -> tuple[list[CheckResult], list[RejectRow]]:
    if ft.scope == "monthly":
        return uniqueness_checks_for_months(con, ft, [month], config).get(month_label(month), ([], []))
    table = raw_table(ft)
    if not table_exists(con, table):
        return [], []
    files = file_label(files_in(con, table, "TRUE", []), ft.file_name(month_label(month)))
    return _uniqueness(con, ft, [month_label(month)], "TRUE", [], {month_label(month): files}, config)[month_label(month)]


def uniqueness_checks_for_months(
    con: duckdb.DuckDBPyConnection, ft: FileType, months: list[str], config: GateConfig
) -> dict[str, tuple[list[CheckResult], list[RejectRow]]]:
    """Uniqueness checks of a monthly file type for several months, one query per check."""
    table = raw_table(ft)
    if not table_exists(con, table):
        return {}
    labels = [month_label(m) for m in months]
    found = files_by_month(con, table, labels)
    files = {m: file_label(found.get(m, []), ft.file_name(m)) for m in labels}
    return _uniqueness(con, ft, labels, "list_contains(?, _month)", [[parse_month(m) for m in labels]], files, config)


def _by_month(rows: list[dict[str, Any]], labels: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {m: [] for m in labels}
    for r in rows:
        m = r.pop("_gate_month")
        out[month_label(m) if m is not None else labels[0]].append(r)
    return out


def _uniqueness(
    con: duckdb.DuckDBPyConnection,
    ft: FileType,
    labels: list[str],
    where: str,
    params: list[Any],
    files: dict[str, str],
    config: GateConfig,
) -> dict[str, tuple[list[CheckResult], list[RejectRow]]]:
    table = raw_table(ft)
    ids = [c for c in EXAMPLE_ID_COLUMNS.get(ft.key, ()) if c in ft.column_names]
    out: dict[str, tuple[list[CheckResult], list[RejectRow]]] = {m: ([], []) for m in labels}
    for keys in UNIQUE_WITHIN_FILE.get(ft.key, ()):
        cols = ", ".join(q(k) for k in dict.fromkeys([*ids, *keys]))
        part = ", ".join(q(k) for k in keys)
        not_null = " AND ".join(f"{q(k)} IS NOT NULL" for k in keys)
        found = _by_month(
            _fetch_dicts(
                con,
                f"""SELECT _month AS _gate_month, _file, _line, _load_id, {cols}
                    FROM {qualified(table)}
                    WHERE {where} AND {not_null}
                    QUALIFY count(*) OVER (PARTITION BY _file, {part}) > 1
                    ORDER BY _month, _file, _line""",
                params,
            ),
            labels,
        )
        column = " + ".join(keys)
        for m, rows in found.items():
            r, rej = _finish(
                ft, m, f"{ft.key}.unique:{column}", "ERROR", column,
                f"{column} is duplicated within the file", rows, keys, files[m], config,
                {"duplicate_keys": len({tuple(plain(x[k]) for k in keys) for x in rows})},
            )
            out[m][0].append(r)
            out[m][1].extend(rej)
    keys = UNIQUE_ACROSS_MONTHS.get(ft.key)
    if keys and ft.scope == "monthly":
        cols = ", ".join(q(k) for k in dict.fromkeys([*ids, *keys]))
        match = " AND ".join(f"e.{q(k)} = t.{q(k)}" for k in keys)
        found = _by_month(
            _fetch_dicts(
                con,
                f"""SELECT _month AS _gate_month, _file, _line, _load_id, {cols} FROM {qualified(table)} t
                    WHERE {where} AND EXISTS (
                        SELECT 1 FROM {qualified(table)} e WHERE e._month < t._month AND {match})
                    ORDER BY _month, _file, _line""",
                params,
            ),
            labels,
        )
        column = " + ".join(keys)
        for m, rows in found.items():
            r, rej = _finish(
                ft, m, f"{ft.key}.unique_across_months:{column}", "WARN", column,
                f"{column} already appeared in an earlier month's file", rows, keys, files[m], config, {},
            )
            out[m][0].append(r)
            out[m][1].extend(rej)
    return out


def column_type_check(con: duckdb.DuckDBPyConnection, ft: FileType, month: str, config: GateConfig) -> CheckResult | None:
    """Every contract column exists in the raw table with its RAW_TYPES type."""
    table = raw_table(ft)
    if not table_exists(con, table):
        return None
    actual = {name: typ.upper() for name, typ in raw_column_types(con, ft.raw_table)}
    lineage = {n for n, _ in LINEAGE_COLUMNS}
    problems = []
    for name, expected in raw_columns(ft):
        if name in lineage and name == "_extra":
            continue
        got = actual.get(name)
        if got is None:
            problems.append(f"'{name}' missing")
        elif got != expected.upper():
            problems.append(f"'{name}' is {got}, expected {expected}")
    name = f"{ft.key}.column_types:*"
    label = ft.file_name(month_label(month)) if ft.scope == "monthly" else ft.file_pattern
    return CheckResult(
        name=name,
        target=table,
        severity=config.severity_for(name, "ERROR"),  # type: ignore[arg-type]
        passed=not problems,
        message=(
            f"{label} (raw.{ft.raw_table}): column types: " + "; ".join(problems[:10])
            if problems
            else f"{label} (raw.{ft.raw_table}): every contract column present with its contract type"
        ),
        month=month_label(month),
        file=label,
        column=None,
        observed={"problems": problems},
    )


def drift_check(con: duckdb.DuckDBPyConnection, ft: FileType, month: str, config: GateConfig) -> CheckResult | None:
    """A monthly file with >= ``drift_threshold`` fewer rows than the previous loaded month fails."""
    return drift_checks(con, ft, [month], config).get(month_label(month))


def drift_checks(
    con: duckdb.DuckDBPyConnection, ft: FileType, months: list[str], config: GateConfig
) -> dict[str, CheckResult]:
    """``drift_check`` for several months from one count of rows per loaded month."""
    table = raw_table(ft)
    if ft.scope != "monthly" or not table_exists(con, table):
        return {}
    loaded = con.execute(
        f"SELECT _month, count(*), min(_file) FROM {qualified(table)} WHERE _month IS NOT NULL GROUP BY 1 ORDER BY 1"
    ).fetchall()
    out: dict[str, CheckResult] = {}
    for month in months:
        m = parse_month(month)
        current = next((n for lm, n, _ in loaded if lm == m), 0)
        earlier = [row for row in loaded if row[0] < m]
        out[month_label(month)] = _drift_result(ft, month, current, earlier[-1] if earlier else None, config)
    return out


def _drift_result(
    ft: FileType, month: str, current: int, prev: tuple[Any, int, str] | None, config: GateConfig
) -> CheckResult:
    table = raw_table(ft)
    label = ft.file_name(month_label(month))
    name = f"{ft.key}.drift:rows"
    sev = config.severity_for(name, "ERROR")
    threshold = config.drift_threshold
    base = dict(name=name, target=table, severity=sev, month=month_label(month), file=label, column=None)
    if prev is None:
        return CheckResult(
            passed=True,
            message=f"{label}: row-count drift: {current} rows; no earlier month loaded to compare",
            observed={"rows": current, "previous_rows": None, "threshold": threshold},
            **base,  # type: ignore[arg-type]
        )
    prev_month, prev_rows, prev_file = prev
    drop = (prev_rows - current) / prev_rows if prev_rows else 0.0
    failed = prev_rows > 0 and drop >= threshold
    verb = "fewer" if drop >= 0 else "more"
    return CheckResult(
        passed=not failed,
        message=(
            f"{label}: row-count drift: {current} rows, {abs(drop):.0%} {verb} than {prev_rows} in "
            f"{prev_file} ({month_label(prev_month)}); "
            + (f"a drop of {threshold:.0%} or more is suspect" if failed else f"within the {threshold:.0%} threshold")
        ),
        observed={
            "rows": current,
            "previous_rows": prev_rows,
            "previous_month": month_label(prev_month),
            "drop": round(drop, 4),
            "threshold": threshold,
        },
        **base,  # type: ignore[arg-type]
    )
