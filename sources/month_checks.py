"""Does a monthly file belong to its month folder (and to the council)?

Checked on the decoded rows (rows rejected for decoding are already in ``_rejects``); the first
offending record rejects the whole file, naming line, column and value:

* ``las_cld``: every ``Reporting Period End Date`` lies in the month; every ``LA Code`` equals
  the council whose landing folder the file came from (a file of another council, or one that
  mixes councils, is rejected);
* ``controcc_service_lines``: every line is active at some time in the month
  (``Start Date`` <= month end and ``End Date`` blank or >= month start);
* ``controcc_payments``: every ``Payment Date`` lies in the month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from .contracts import CONTROCC_PAYMENTS, CONTROCC_SERVICE_LINES, LAS_CLD, FileType
from .landing import month_bounds
from .report import SourceFileError


@dataclass(frozen=True)
class FileCheck:
    name: str
    column: str
    violation: str  # SQL condition on a decoded row; TRUE = the row does not fit
    reason: str  # may use {value}


def _d(d: date) -> str:
    return f"DATE '{d.isoformat()}'"


def month_checks(ft: FileType, month: str, council: str) -> list[FileCheck]:
    start, end = month_bounds(month)
    checks: list[FileCheck] = []
    if ft.key == LAS_CLD.key:
        checks.append(
            FileCheck(
                "file_month",
                "Reporting Period End Date",
                f'"Reporting Period End Date" NOT BETWEEN {_d(start)} AND {_d(end)}',
                f"Reporting Period End Date {{value}} is not in the month folder {month}",
            )
        )
        code = council.strip().upper().replace("'", "''")
        checks.append(
            FileCheck(
                "file_council",
                "LA Code",
                f"upper(\"LA Code\") <> '{code}'",
                f"LA Code {{value}} is not the council {council.strip().upper()} whose landing folder this is",
            )
        )
    elif ft.key == CONTROCC_SERVICE_LINES.key:
        checks.append(
            FileCheck(
                "file_month",
                "Start Date",
                f'"Start Date" > {_d(end)}',
                f"service line starts on {{value}}, after the month {month}",
            )
        )
        checks.append(
            FileCheck(
                "file_month",
                "End Date",
                f'"End Date" < {_d(start)}',
                f"service line ended on {{value}}, before the month {month}",
            )
        )
    elif ft.key == CONTROCC_PAYMENTS.key:
        checks.append(
            FileCheck(
                "file_month",
                "Payment Date",
                f'"Payment Date" NOT BETWEEN {_d(start)} AND {_d(end)}',
                f"Payment Date {{value}} is not in the month folder {month}",
            )
        )
    return checks


def run_month_checks(
    con: duckdb.DuckDBPyConnection,
    ft: FileType,
    table: str,
    file: str,
    month: str,
    council: str,
) -> None:
    """Raise SourceFileError at the first row that does not belong to the month or the council."""
    for check in month_checks(ft, month, council):
        row = con.execute(
            f'SELECT _line, CAST("{check.column}" AS VARCHAR) FROM {table}'
            f" WHERE len(_errors) = 0 AND ({check.violation}) ORDER BY _line LIMIT 1"
        ).fetchone()
        if row is not None:
            raise SourceFileError(
                file,
                int(row[0]),
                check.column,
                check.reason.format(value=row[1]),
                check=check.name,
                value=row[1],
            )
