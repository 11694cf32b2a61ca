"""Is a monthly file a copy of a file already loaded for another month?

A month folder that receives last month's file again (February's CLD copied into March) would
otherwise load as if it were new.  For the file types whose rows are dated within their month
(``FileType.content_names_month``: the CLD extract, the payments), a file whose SHA-256 equals
the file currently loaded for the same file type in a *different* month can only be a copy: it
is rejected as a duplicate (`check_name` ``file_duplicate``), naming that month and file.  The
service lines and the CQC files can legitimately be identical in two months (no line changed;
the same directory download), so they load, and the source gate reports the repeat as a WARN
(``orchestration/gates/row_accounting.py``, check ``same_file_as_another_month``).  The same
file loaded again for the same month is a reload (idempotent), never a duplicate.

"Currently loaded" = the latest ``raw._load_log`` row of that ``(file_type, month)`` has status
``loaded``: a month whose file was since replaced by a different one, or rejected, does not
count any more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from .contracts import FileType
from .report import SourceFileError

CHECK = "file_duplicate"


@dataclass(frozen=True)
class LoadedCopy:
    month: date
    file: str


def loaded_copy(
    con: duckdb.DuckDBPyConnection, ft: FileType, sha256: str, month: date, council: str
) -> LoadedCopy | None:
    """The council's file of another month, currently loaded, with this SHA-256 (oldest month
    first)."""
    row = con.execute(
        """
        SELECT month, file FROM (
          SELECT month, file, sha256, status,
                 row_number() OVER (PARTITION BY month ORDER BY loaded_at DESC) AS rn
          FROM raw._load_log
          WHERE file_type = $ft AND council_code = $c AND month IS NOT NULL AND month <> $m
        )
        WHERE rn = 1 AND status = 'loaded' AND sha256 = $sha
        ORDER BY month LIMIT 1
        """,
        {"ft": ft.key, "m": month, "sha": sha256, "c": council},
    ).fetchone()
    return LoadedCopy(row[0], row[1]) if row else None


def check_not_duplicate(
    con: duckdb.DuckDBPyConnection, ft: FileType, sha256: str, month: date, file: str, council: str
) -> None:
    """Raise SourceFileError when the file is byte-for-byte a file loaded for another month
    and its file type's rows are dated within their month."""
    if not ft.content_names_month:
        return
    copy = loaded_copy(con, ft, sha256, month, council)
    if copy is not None:
        raise SourceFileError(
            file,
            None,
            None,
            f"duplicate file: identical (SHA-256 {sha256[:12]}...) to {copy.file}, already loaded"
            f" for {copy.month:%Y-%m}; a month folder must hold that month's own extract",
            check=CHECK,
        )
