"""Rows failing row-level checks, written to ``raw._rejects`` (file, line, column, value, check).

The gates only *record* failing rows: raw keeps them (the loader's row accounting stays true and a
WARN row still counts); an ERROR failure blocks the month instead.  Gate rows are told apart from
the loader's parse rejects by ``reason`` starting with ``gate ``; a rerun of the month replaces them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb
import pandas as pd

from orchestration.months import parse_month
from orchestration.partitions_key import Part
from sources.contracts import RAW_SCHEMA, REJECTS_DDL

GATE_REASON_PREFIX = "gate "


@dataclass(frozen=True)
class RejectRow:
    file_type: str
    file: str | None
    line: int | None
    column: str | None
    value: str | None
    check_name: str
    severity: str
    description: str
    load_id: str | None = None

    @property
    def reason(self) -> str:
        return f"{GATE_REASON_PREFIX}{self.severity}: {self.description}"


def write_rejects(con: duckdb.DuckDBPyConnection, part: Part, rejects: list[RejectRow]) -> int:
    """Replace the council-month's gate rejects with ``rejects``; returns the number written."""
    return write_gate_rejects(con, {part: rejects})


def write_gate_rejects(
    con: duckdb.DuckDBPyConnection,
    by_part: dict[Part, list[RejectRow]],
    reference: dict[tuple[str, str], list[RejectRow]] | None = None,
) -> int:
    """Replace each council-month's gate rejects with its rows and, for each (council, reference
    or annual file type) in ``reference``, that council's gate rejects of the type (month NULL,
    like the loader's reference rejects: they are checked once, not once per month) with its
    rows; returns the number written."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    con.execute(REJECTS_DDL)
    for part in by_part:
        con.execute(
            f"DELETE FROM {RAW_SCHEMA}._rejects WHERE council_code = ? AND month = ? AND starts_with(reason, ?)",
            [part.council, parse_month(part.month), GATE_REASON_PREFIX],
        )
    reference = reference or {}
    for council, file_type in reference:
        con.execute(
            f"DELETE FROM {RAW_SCHEMA}._rejects WHERE council_code = ? AND month IS NULL AND starts_with(reason, ?) "
            "AND file_type = ?",
            [council, GATE_REASON_PREFIX, file_type],
        )
    tagged = [(part.council, parse_month(part.month), r) for part, rows in by_part.items() for r in rows] + [
        (council, None, r) for (council, _), rows in reference.items() for r in rows
    ]
    if not tagged:
        return 0
    rejects = [r for _, _, r in tagged]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    frame = pd.DataFrame(
        {
            "load_id": [r.load_id for r in rejects],
            "file_type": [r.file_type for r in rejects],
            "month": [m for _, m, _ in tagged],
            "file": [r.file for r in rejects],
            "line": pd.array([r.line for r in rejects], dtype="Int64"),
            "column": [r.column for r in rejects],
            "value": [None if r.value is None else str(r.value) for r in rejects],
            "reason": [r.reason for r in rejects],
            "check_name": [r.check_name for r in rejects],
            "rejected_at": [now] * len(rejects),
            "council_code": [c for c, _, _ in tagged],
        }
    )
    con.register("_gate_rejects_frame", frame)
    try:
        con.execute(
            f"""INSERT INTO {RAW_SCHEMA}._rejects
                SELECT load_id, file_type, CAST(month AS DATE), file, CAST(line AS BIGINT), "column",
                       value, reason, check_name, CAST(rejected_at AS TIMESTAMP), council_code
                FROM _gate_rejects_frame"""
        )
    finally:
        con.unregister("_gate_rejects_frame")
    return len(rejects)
