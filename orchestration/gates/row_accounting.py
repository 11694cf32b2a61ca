"""File-level checks from ``raw._load_log``, per council-month: every expected monthly file present and loaded,
``rows_read = rows_loaded + rows_rejected``, no row rejected by the reader (a value that breaks the
contract stops the month, naming file, line and column; the row itself is kept in
``raw._rejects``), the raw table holding ``rows_loaded`` rows of that load, and (WARN) a service
lines or CQC file identical to another month's."""
from __future__ import annotations

from typing import Any

import duckdb

from orchestration.gates.config import GateConfig
from orchestration.gates.results import CheckResult
from orchestration.gates.sqlutil import qualified, raw_table, table_exists
from orchestration.months import month_label, parse_month
from orchestration.partitions_key import Part
from sources.contracts import MONTHLY_FILE_TYPES, FileType
from sources.duplicates import loaded_copy

LOAD_LOG = "raw._load_log"


def latest_load(con: duckdb.DuckDBPyConnection, ft: FileType, part: Part) -> dict[str, Any] | None:
    """The newest ``_load_log`` row for the file type's file of the council's month, if any."""
    if not table_exists(con, LOAD_LOG):
        return None
    cur = con.execute(
        f"""SELECT * FROM {LOAD_LOG}
            WHERE council_code = ? AND month = ? AND (file_type IN (?, ?) OR file = ?)
            ORDER BY loaded_at DESC NULLS LAST LIMIT 1""",
        [part.council, parse_month(part.month), ft.key, ft.raw_table, ft.file_name(part.month)],
    )
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row)) if row else None


def _result(ft: FileType, part: Part, check: str, passed: bool, message: str, config: GateConfig,
            default_severity: str = "ERROR", **kw: Any) -> CheckResult:
    name = f"{ft.key}.{check}"
    return CheckResult(
        name=name,
        target=LOAD_LOG,
        severity=config.severity_for(name, default_severity),  # type: ignore[arg-type]
        passed=passed,
        message=message,
        month=part.month,
        council=part.council,
        file=kw.pop("file", ft.file_name(part.month)),
        column=kw.pop("column", None),
        **kw,
    )


def file_checks(con: duckdb.DuckDBPyConnection, part: Part, config: GateConfig) -> list[CheckResult]:
    out: list[CheckResult] = []
    statuses = {s.lower() for s in config.loaded_statuses}
    month = part.month
    for ft in MONTHLY_FILE_TYPES:
        expected = ft.file_name(month_label(month))
        log = latest_load(con, ft, part)
        if log is None:
            out.append(
                _result(ft, part, "file_loaded", False,
                        f"{expected}: file_loaded: expected monthly file not found in {LOAD_LOG} for "
                        f"{part.council} {month_label(month)}",
                        config)
            )
            continue
        status = str(log.get("status") or "").lower()
        ok = status in statuses
        file = log.get("file") or expected
        out.append(
            _result(
                ft, part, "file_loaded", ok,
                f"{file}: file_loaded: status '{log.get('status')}'"
                + ("" if ok else f" is not a loaded status ({', '.join(sorted(statuses))}): {log.get('message') or 'no message'}"),
                config, file=file,
                observed={"load_id": log.get("load_id"), "status": log.get("status"), "sha256": log.get("sha256")},
            )
        )
        read, loaded, rejected = (log.get(k) for k in ("rows_read", "rows_loaded", "rows_rejected"))
        balanced = None not in (read, loaded, rejected) and read == loaded + rejected
        out.append(
            _result(
                ft, part, "rows_accounted", balanced,
                f"{file}: rows_accounted: rows_read {read} "
                + ("=" if balanced else "!=")
                + f" rows_loaded {loaded} + rows_rejected {rejected}",
                config, file=file,
                observed={"rows_read": read, "rows_loaded": loaded, "rows_rejected": rejected},
            )
        )
        if ok:
            out.append(_no_rows_rejected(con, ft, part, file, log, config))
        if ok and not ft.content_names_month and log.get("sha256"):
            out.append(_same_file_check(con, ft, part, file, str(log["sha256"]), config))
        table = raw_table(ft)
        if ok and table_exists(con, table):
            in_raw = con.execute(
                f"SELECT count(*) FROM {qualified(table)} WHERE _council = ? AND _month = ? AND _load_id = ?",
                [part.council, parse_month(month), log.get("load_id")],
            ).fetchone()[0]
            same = loaded is not None and in_raw == loaded
            out.append(
                _result(
                    ft, part, "rows_in_raw", same,
                    f"{file}: rows_in_raw: {in_raw} rows of load {log.get('load_id')} in {table}, "
                    + ("as logged" if same else f"but rows_loaded is {loaded}"),
                    config, file=file,
                    observed={"rows_in_raw": in_raw, "rows_loaded": loaded},
                )
            )
    return out


REJECTS_SHOWN = 3


def _no_rows_rejected(con: duckdb.DuckDBPyConnection, ft: FileType, part: Part, file: str,
                      log: dict[str, Any], config: GateConfig) -> CheckResult:
    """ERROR when the reader rejected rows of the loaded file (SOURCES.md: a file that breaks the
    contract is rejected with a clear reason, never guessed at). The good rows stay loaded and the
    bad ones in ``raw._rejects``, but the month is not published from a file missing rows."""
    rejected = int(log.get("rows_rejected") or 0)
    first: list[tuple[Any, ...]] = []
    if rejected and table_exists(con, "raw._rejects"):
        first = con.execute(
            """SELECT line, "column", reason FROM raw._rejects
               WHERE load_id = ? AND NOT starts_with(reason, 'gate ')
               ORDER BY line NULLS LAST, "column" LIMIT ?""",
            [log.get("load_id"), REJECTS_SHOWN],
        ).fetchall()
    where = "; ".join(f"line {line}, column {column!r}: {reason}" for line, column, reason in first)
    message = (
        f"{file}: rows_rejected: no row rejected when read" if not rejected else
        f"{file}: rows_rejected: {rejected} row(s) break the contract and were rejected when read"
        + (f" ({where}{'; ...' if rejected > len(first) else ''})" if where else "")
        + ": fix the extract and load it again (every rejected row is in raw._rejects)"
    )
    return _result(ft, part, "rows_rejected", not rejected, message, config, file=file,
                   column=first[0][1] if first else None, observed={"rows_rejected": rejected},
                   examples=[{"file": file, "line": line, "column": column, "reason": reason}
                             for line, column, reason in first])  # reasons never hold the value


def _same_file_check(con: duckdb.DuckDBPyConnection, ft: FileType, part: Part, file: str, sha256: str,
                     config: GateConfig) -> CheckResult:
    """WARN when the month's file is byte-for-byte the file loaded for another month (a service
    lines or CQC file may legitimately repeat; a copy saved into the wrong folder also would)."""
    copy = loaded_copy(con, ft, sha256, parse_month(part.month), part.council)
    return _result(
        ft, part, "same_file_as_another_month", copy is None,
        f"{file}: same_file_as_another_month: "
        + ("no other month has this file" if copy is None else
           f"identical (SHA-256 {sha256[:12]}...) to {copy.file} loaded for {copy.month:%Y-%m}: "
           "check that the extract is this month's"),
        config, default_severity="WARN", file=file,
        observed={"sha256": sha256, **({"same_as": copy.file} if copy else {})},
    )
