"""Source checks that need a council's whole month at once and so run as SQL inside DuckDB:
uniqueness of keys, column types of the raw table, and row-count drift against the council's
previous loaded month."""
from __future__ import annotations

from typing import Any

import duckdb

from orchestration.gates.config import GateConfig
from orchestration.gates.gx_runner import plain
from orchestration.gates.quarantine import RejectRow
from orchestration.gates.results import CheckResult, failure_message
from orchestration.gates.sqlutil import (
    fetch_dicts,
    file_label,
    files_by_part,
    files_in,
    partition_filter,
    parts_values,
    q,
    qualified,
    raw_column_types,
    raw_table,
    table_exists,
)
from orchestration.gates.suites import EXAMPLE_ID_COLUMNS
from orchestration.months import month_label, parse_month
from orchestration.partitions_key import Part
from sources.contracts import FileType, LINEAGE_COLUMNS, raw_columns

# file type -> key column tuples that must be unique within one file
UNIQUE_WITHIN_FILE: dict[str, tuple[tuple[str, ...], ...]] = {
    "las_cld": (("Event Reference",),),
    "controcc_service_lines": (("Service Agreement ID", "Line No"),),
    "controcc_payments": (("Payment ID",),),
    "cqc_hsca_active_locations": (("Location ID",),),
    "element_rung_map": (("Element Code",),),
    "prevalence_rates": (("measure", "age_band"),),
    "national_comparators": (("measure", "financial_year", "age_band"),),
}
# file type -> key columns that should not reappear from an earlier month (WARN by default)
UNIQUE_ACROSS_MONTHS: dict[str, tuple[str, ...]] = {"controcc_payments": ("Payment ID",)}


def _example(row: dict[str, Any], ft: FileType, keys: tuple[str, ...]) -> dict[str, Any]:
    ex = {"file": row["_file"], "line": plain(row["_line"])}
    for c in (*EXAMPLE_ID_COLUMNS.get(ft.key, ()), *keys):
        if c in row:
            ex[c] = plain(row[c])
    return ex


def _finish(
    ft: FileType,
    part: Part,
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
        month=part.month,
        council=part.council,
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
    con: duckdb.DuckDBPyConnection, ft: FileType, part: Part, config: GateConfig
) -> tuple[list[CheckResult], list[RejectRow]]:
    if ft.scope == "monthly":
        return uniqueness_checks_for_parts(con, ft, [part], config).get(part, ([], []))
    table = raw_table(ft)
    if not table_exists(con, table):
        return [], []
    where, params = partition_filter(ft, part)
    files = file_label(files_in(con, table, where, params), ft.file_pattern)
    return _uniqueness(con, ft, [part], f"({where})", params, {part: files}, config)[part]


def uniqueness_checks_for_parts(
    con: duckdb.DuckDBPyConnection, ft: FileType, parts: list[Part], config: GateConfig
) -> dict[Part, tuple[list[CheckResult], list[RejectRow]]]:
    """Uniqueness checks of a monthly file type for several council-months, one query per check."""
    table = raw_table(ft)
    if not table_exists(con, table) or not parts:
        return {}
    found = files_by_part(con, table, parts)
    files = {p: file_label(found.get(p, []), ft.file_name(p.month)) for p in parts}
    where = (f"EXISTS (SELECT 1 FROM (VALUES {parts_values(parts)}) AS _p(c, s, e)"
             " WHERE _p.c = _council AND _p.s = _month)")
    return _uniqueness(con, ft, parts, where, [], files, config)


def _by_part(rows: list[dict[str, Any]], parts: list[Part]) -> dict[Part, list[dict[str, Any]]]:
    out: dict[Part, list[dict[str, Any]]] = {p: [] for p in parts}
    for r in rows:
        council, m = r.pop("_gate_council"), r.pop("_gate_month")
        out[Part(council, month_label(m)) if m is not None else parts[0]].append(r)
    return out


def _uniqueness(
    con: duckdb.DuckDBPyConnection,
    ft: FileType,
    parts: list[Part],
    where: str,
    params: list[Any],
    files: dict[Part, str],
    config: GateConfig,
) -> dict[Part, tuple[list[CheckResult], list[RejectRow]]]:
    table = raw_table(ft)
    ids = [c for c in EXAMPLE_ID_COLUMNS.get(ft.key, ()) if c in ft.column_names]
    out: dict[Part, tuple[list[CheckResult], list[RejectRow]]] = {p: ([], []) for p in parts}
    for keys in UNIQUE_WITHIN_FILE.get(ft.key, ()):
        cols = ", ".join(q(k) for k in dict.fromkeys([*ids, *keys]))
        part = ", ".join(q(k) for k in keys)
        not_null = " AND ".join(f"{q(k)} IS NOT NULL" for k in keys)
        found = _by_part(
            fetch_dicts(
                con,
                f"""SELECT _council AS _gate_council, _month AS _gate_month, _file, _line, _load_id, {cols}
                    FROM {qualified(table)}
                    WHERE {where} AND {not_null}
                    QUALIFY count(*) OVER (PARTITION BY _council, _file, {part}) > 1
                    ORDER BY _council, _month, _file, _line""",
                params,
            ),
            parts,
        )
        column = " + ".join(keys)
        for p, rows in found.items():
            r, rej = _finish(
                ft, p, f"{ft.key}.unique:{column}", "ERROR", column,
                f"{column} is duplicated within the file", rows, keys, files[p], config,
                {"duplicate_keys": len({tuple(plain(x[k]) for k in keys) for x in rows})},
            )
            out[p][0].append(r)
            out[p][1].extend(rej)
    keys = UNIQUE_ACROSS_MONTHS.get(ft.key)
    if keys and ft.scope == "monthly":
        cols = ", ".join(q(k) for k in dict.fromkeys([*ids, *keys]))
        match = " AND ".join(f"e.{q(k)} = t.{q(k)}" for k in keys)
        found = _by_part(
            fetch_dicts(
                con,
                f"""SELECT _council AS _gate_council, _month AS _gate_month, _file, _line, _load_id, {cols}
                    FROM {qualified(table)} t
                    WHERE {where} AND EXISTS (
                        SELECT 1 FROM {qualified(table)} e
                        WHERE e._council = t._council AND e._month < t._month AND {match})
                    ORDER BY _council, _month, _file, _line""",
                params,
            ),
            parts,
        )
        column = " + ".join(keys)
        for p, rows in found.items():
            r, rej = _finish(
                ft, p, f"{ft.key}.unique_across_months:{column}", "WARN", column,
                f"{column} already appeared in an earlier month's file", rows, keys, files[p], config, {},
            )
            out[p][0].append(r)
            out[p][1].extend(rej)
    return out


def column_type_check(con: duckdb.DuckDBPyConnection, ft: FileType, part: Part, config: GateConfig) -> CheckResult | None:
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
    label = ft.file_name(part.month) if ft.scope == "monthly" else ft.file_pattern
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
        month=part.month,
        council=part.council,
        file=label,
        column=None,
        observed={"problems": problems},
    )


def drift_check(con: duckdb.DuckDBPyConnection, ft: FileType, part: Part, config: GateConfig) -> CheckResult | None:
    """A monthly file with >= ``drift_threshold`` fewer rows than the council's previous loaded
    month fails."""
    return drift_checks(con, ft, [part], config).get(part)


def drift_checks(
    con: duckdb.DuckDBPyConnection, ft: FileType, parts: list[Part], config: GateConfig
) -> dict[Part, CheckResult]:
    """``drift_check`` for several council-months from one count of rows per council and loaded
    month."""
    table = raw_table(ft)
    if ft.scope != "monthly" or not table_exists(con, table) or not parts:
        return {}
    loaded = con.execute(
        f"SELECT _council, _month, count(*), min(_file) FROM {qualified(table)}"
        " WHERE _month IS NOT NULL AND list_contains(?, _council) GROUP BY 1, 2 ORDER BY 1, 2",
        [sorted({p.council for p in parts})],
    ).fetchall()
    out: dict[Part, CheckResult] = {}
    for part in parts:
        m = parse_month(part.month)
        mine = [(lm, n, f) for c, lm, n, f in loaded if c == part.council]
        current = next((n for lm, n, _ in mine if lm == m), 0)
        earlier = [row for row in mine if row[0] < m]
        out[part] = _drift_result(ft, part, current, earlier[-1] if earlier else None, config)
    return out


def _drift_result(
    ft: FileType, part: Part, current: int, prev: tuple[Any, int, str] | None, config: GateConfig
) -> CheckResult:
    table = raw_table(ft)
    label = ft.file_name(part.month)
    name = f"{ft.key}.drift:rows"
    sev = config.severity_for(name, "ERROR")
    threshold = config.drift_threshold
    base = dict(name=name, target=table, severity=sev, month=part.month, council=part.council, file=label,
                column=None)
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
