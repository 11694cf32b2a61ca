"""Load the landing directory into DuckDB's ``raw`` schema (agreed API, see docs/TEAM_NOTES.md).

``load_month(con, landing, month, council=CODE)`` loads the five monthly files of a council's
month folder plus any ``ascs_responses_YYYY.csv`` in it; ``load_reference(con, landing,
council=CODE)`` loads ``<landing>/reference/*.csv``.  ``landing`` is that council's landing folder
and every row is stored with its council in ``_council``: one warehouse holds any number of
councils, and a load never touches another council's rows.  Each file is one load (``load_id``)
with one ``raw._load_log`` row.  Raw mirrors the landing directory as of the latest load: every
attempt at a file replaces, in ONE transaction, that file's rows in its raw table (by
``_council`` + ``_month`` for monthly files, by ``_council`` + ``_month`` + ``_file`` for annual
files, ``_council`` for reference files) and its rows in
``raw._rejects`` with the outcome - the decoded rows and row rejects when the file is accepted,
no rows when it is rejected (plus one file-level reject) or missing.  Loading a month twice
therefore leaves exactly the same rows.  ``raw._load_log`` is the history (append only).
A monthly file byte-for-byte equal to the file loaded for another month is rejected as a
duplicate (`sources.duplicates`).  A CQC file may also be delivered as the published ``.ods``
(same name, ``.ods`` instead of ``.csv``): its sheet is streamed to a temporary CSV first
(`sources.ods`).
"""

from __future__ import annotations

import tempfile
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from xml.etree import ElementTree

import duckdb

from . import csv_io
from . import landing as ld
from . import pseudonymise as ps
from .contracts import (
    ANNUAL_FILE_TYPES,
    FILE_TYPES,
    LOAD_LOG_DDL,
    RAW_SCHEMA,
    REJECTS_DDL,
    FileType,
    raw_ddl,
)
from .duplicates import check_not_duplicate
from .key_fingerprint import DDL as KEY_FINGERPRINT_DDL
from .key_fingerprint import check_key
from .landing import discover_months  # noqa: F401  (part of the loader API)
from .month_checks import run_month_checks
from .ods import CQC_SHEETS, OdsError, ods_to_csv
from .reader import DecodedFile, read_source
from .scenarios import ensure_tables as ensure_scenario_tables
from .report import LOADER_CHECK_NAMES, FileLoad, LoadReport, SourceFileError, Status

__all__ = [
    "FileLoad",
    "LoadReport",
    "SourceFileError",
    "discover_months",
    "ensure_raw_schema",
    "load_file",
    "load_month",
    "load_reference",
]


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema ``raw``, every raw table, ``_load_log``, ``_rejects``,
    ``_pseudonymisation_key`` and the scenario tables (`sources.scenarios`) if missing."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    for ft in FILE_TYPES.values():
        con.execute(raw_ddl(ft))
    con.execute(LOAD_LOG_DDL)
    con.execute(REJECTS_DDL)
    con.execute(KEY_FINGERPRINT_DDL)
    ensure_scenario_tables(con)


LOAD_THREADS = 2  # files of a month loaded at once (the build machine has 2 cores)


def _table(ft: FileType) -> str:
    return f'{RAW_SCHEMA}."{ft.raw_table}"'


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Scope:
    """The rows one load of a file replaces."""

    raw_where: str
    rejects_where: str
    params: dict[str, object]

    @classmethod
    def of(cls, ft: FileType, month: date | None, file: str, council: str) -> Scope:
        mine = {"c": council}
        if ft.scope == "reference":
            return cls("_council = $c", "council_code = $c AND file_type = $ft AND month IS NULL",
                       {"ft": ft.key, **mine})
        if ft.scope == "annual":
            return cls(
                "_council = $c AND _month = $m AND _file = $f",
                "council_code = $c AND file_type = $ft AND month = $m AND file = $f",
                {"ft": ft.key, "m": month, "f": file, **mine},
            )
        return cls("_council = $c AND _month = $m", "council_code = $c AND file_type = $ft AND month = $m",
                   {"ft": ft.key, "m": month, **mine})

    def raw_params(self) -> dict[str, object]:
        return {k: v for k, v in self.params.items() if f"${k}" in self.raw_where}


def _insert_rows(
    con: duckdb.DuckDBPyConnection, d: DecodedFile, month: date | None, load_id: str, council: str
) -> None:
    ft = d.file_type
    cols = [f'"{c.name}"' for c in ft.columns]
    target = list(cols)
    select = list(cols)
    if ft.wide_year_columns:
        years = "[" + ", ".join(str(y) for y, _ in d.header.years) + "]"
        target += [f'"{ft.extra["year_column"]}"', f'"{ft.extra["value_column"]}"']
        select += [f"unnest({years})", "unnest(__values)"]
    target += ["_council", "_month", "_file", "_line", "_load_id", "_extra"]
    select += ["$c", "CAST($m AS DATE)", "$f", "_line", "$id", "_extra"]
    inserted = con.execute(
        f"INSERT INTO {_table(ft)} ({', '.join(target)}) SELECT {', '.join(select)}"
        f" FROM {d.table} WHERE len(_errors) = 0 ORDER BY _line",
        {"c": council, "m": month, "f": d.file, "id": load_id},
    ).fetchone()
    con.execute(
        'INSERT INTO raw._rejects SELECT $id, $ft, CAST($m AS DATE), $f, _line, e."column",'
        f" e.value, e.reason, e.check_name, $at, $c FROM (SELECT _line, unnest(_errors) AS e"
        f" FROM {d.table} WHERE len(_errors) > 0) ORDER BY _line",
        {"id": load_id, "ft": ft.key, "m": month, "f": d.file, "at": _now(), "c": council},
    )
    # DuckDB reports the rows an INSERT wrote (SNPP rows are unpivoted: one per file record and year)
    stored = inserted if not ft.wide_year_columns else con.execute(
        f"SELECT count(DISTINCT _line) FROM {_table(ft)} WHERE _load_id = $id", {"id": load_id}
    ).fetchone()
    if stored is None or stored[0] != d.rows_loaded:  # not `assert`: must survive python -O
        raise AssertionError(f"{d.file}: {stored} records stored, {d.rows_loaded} expected")


def _commit(
    con: duckdb.DuckDBPyConnection,
    ft: FileType,
    month: date | None,
    path: Path,
    result: FileLoad,
    *,
    council: str,
    replace: bool = True,
    decoded: DecodedFile | None = None,
) -> None:
    """Replace the file's scope (its council's) with its outcome and log it, in one transaction."""
    scope = Scope.of(ft, month, path.name, council)
    con.execute("BEGIN TRANSACTION")
    try:
        if replace:
            con.execute(f"DELETE FROM {_table(ft)} WHERE {scope.raw_where}", scope.raw_params())
            con.execute(
                f"DELETE FROM raw._rejects WHERE {scope.rejects_where}"
                " AND list_contains($checks, check_name)",
                {**scope.params, "checks": list(LOADER_CHECK_NAMES)},
            )
        if decoded is not None:
            _insert_rows(con, decoded, month, result.load_id or "", council)
        err = result.error
        if err is not None:
            con.execute(
                "INSERT INTO raw._rejects VALUES ($id, $ft, $m, $f, $line, $col, $val, $reason,"
                " $check, $at, $c)",
                {
                    "id": result.load_id,
                    "ft": ft.key,
                    "m": month,
                    "f": path.name,
                    "line": err.line,
                    "col": err.column,
                    "val": err.value,
                    "reason": err.reason + (f" (byte {err.byte})" if err.byte is not None else ""),
                    "check": err.check,
                    "at": _now(),
                    "c": council,
                },
            )
        con.execute(
            "INSERT INTO raw._load_log VALUES ($id, $ft, $m, $f, $p, $sha, $read, $loaded,"
            " $rejected, $status, $msg, $at, $c)",
            {
                "id": result.load_id,
                "ft": ft.key,
                "m": month,
                "f": path.name,
                "p": str(path),
                "sha": result.sha256,
                "read": result.rows_read,
                "loaded": result.rows_loaded,
                "rejected": result.rows_rejected,
                "status": result.status,
                "msg": result.message,
                "at": _now(),
                "c": council,
            },
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _new_load_id() -> str:
    return uuid.uuid4().hex


def _outcome(
    ft: FileType,
    file: str,
    sha256: str | None,
    status: Status,
    month: str | None,
    load_id: str,
    *,
    read: int = 0,
    loaded: int = 0,
    rejected: int = 0,
    message: str = "",
    error: SourceFileError | None = None,
) -> FileLoad:
    return FileLoad(
        ft.key, file, sha256, read, loaded, rejected, status, message, month, load_id, error=error
    )


def _unchanged(con: duckdb.DuckDBPyConnection, ft: FileType, sha256: str, council: str) -> bool:
    """A reference file whose content is already what its raw table holds for the council."""
    last = con.execute(
        "SELECT load_id, sha256, status, rows_loaded FROM raw._load_log WHERE file_type = $ft"
        " AND council_code = $c AND status IN ('loaded', 'rejected') ORDER BY loaded_at DESC LIMIT 1",
        {"ft": ft.key, "c": council},
    ).fetchone()
    if last is None or last[2] != "loaded" or last[1] != sha256:
        return False
    ids = {r[0] for r in con.execute(
        f"SELECT DISTINCT _load_id FROM {_table(ft)} WHERE _council = $c", {"c": council}).fetchall()}
    return ids == ({last[0]} if last[3] else set())


def load_file(
    con: duckdb.DuckDBPyConnection,
    ft: FileType,
    path: Path,
    *,
    council: str,
    month: str | None = None,
    pseudo_key: str | None = None,
    skip_unchanged: bool = False,
    origin: Path | None = None,
    schema_ready: bool = False,
) -> FileLoad:
    """Load one present landing file of type `ft` of `council` (month = the folder's YYYY-MM, or
    None).

    `origin`: the file `path` was converted from (an .ods); its name and SHA-256 are logged.
    `schema_ready`: the raw schema exists (`load_month` creates it once for the files it loads
    side by side).
    """
    if not schema_ready:
        ensure_raw_schema(con)
    path = Path(path)
    logged = Path(origin) if origin is not None else path
    month_date = ld.month_bounds(month)[0] if month else None
    load_id = _new_load_id()
    scan = csv_io.scan_bytes(path)
    sha = csv_io.scan_bytes(logged).sha256 if origin is not None else scan.sha256
    if skip_unchanged and _unchanged(con, ft, sha, council):
        result = _outcome(
            ft,
            logged.name,
            sha,
            "unchanged",
            month,
            load_id,
            message="same SHA-256 as the loaded table: kept",
        )
        _commit(con, ft, month_date, logged, result, council=council, replace=False)
        return result
    key, key_path = ps.key_and_file(pseudo_key)
    pads = ps.HmacPads.from_key(key)
    decoded: DecodedFile | None = None
    try:
        try:
            if ps.is_person_level(ft):
                check_key(con, key, logged.name)
            decoded = read_source(con, ft, path, scan, pads, file=logged.name)
            if month is not None and ft.scope == "monthly":
                check_not_duplicate(con, ft, sha, ld.month_bounds(month)[0], logged.name, council)
                run_month_checks(con, ft, decoded.table, logged.name, month, council)
        except SourceFileError as err:
            read = decoded.rows_read if decoded else 0
            result = _outcome(
                ft,
                logged.name,
                sha,
                "rejected",
                month,
                load_id,
                read=read,
                rejected=read,
                message=err.message,
                error=err,
            )
            _commit(con, ft, month_date, logged, result, council=council)
            return result
        notes = [
            f"{decoded.rows_rejected} row(s) rejected, see raw._rejects"
            if decoded.rows_rejected
            else ""
        ]
        if decoded.cqc is not None:
            notes.append(f"date order {decoded.cqc.label}")
        if ps.is_person_level(ft) and key_path is not None:
            notes.append(f"pseudonymised with the key in {key_path} ({ps.ENV_VAR} not set)")
        if decoded.header.extras and ps.is_person_level(ft):
            names = ", ".join(repr(k) for k, _ in decoded.header.extras)
            notes.append(f"extra column(s) {names} kept as keyed hashes only")
        if origin is not None:
            notes.append(f"read from sheet converted to {path.name}")
        result = _outcome(
            ft,
            logged.name,
            sha,
            "loaded",
            month,
            load_id,
            read=decoded.rows_read,
            loaded=decoded.rows_loaded,
            rejected=decoded.rows_rejected,
            message="; ".join(filter(None, notes)),
        )
        _commit(con, ft, month_date, logged, result, council=council, decoded=decoded)
        return result
    finally:
        if decoded is not None:
            con.execute(f"DROP TABLE IF EXISTS {decoded.table}")


def load_ods_file(
    con: duckdb.DuckDBPyConnection,
    ft: FileType,
    ods: Path,
    *,
    council: str,
    month: str | None = None,
    pseudo_key: str | None = None,
    schema_ready: bool = False,
) -> FileLoad:
    """Load a CQC file published as .ods: its sheet is streamed to a temporary CSV first
    (`schema_ready` as for `load_file`)."""
    ods = Path(ods)
    with tempfile.TemporaryDirectory(prefix="ascw-ods-") as tmp:
        csv_path = Path(tmp) / (ods.stem + ".csv")
        try:
            ods_to_csv(ods, CQC_SHEETS[ft.key], csv_path)
        except (OdsError, zipfile.BadZipFile, ElementTree.ParseError, ValueError) as exc:
            err = SourceFileError(
                ods.name, None, None, f"unreadable .ods: {exc}", check="file_structure"
            )
            sha = csv_io.scan_bytes(ods).sha256
            result = _outcome(
                ft, ods.name, sha, "rejected", month, _new_load_id(), message=err.message, error=err
            )
            _commit(con, ft, ld.month_bounds(month)[0] if month else None, ods, result, council=council)
            return result
        return load_file(con, ft, csv_path, council=council, month=month, pseudo_key=pseudo_key, origin=ods,
                         schema_ready=schema_ready)


def _missing(
    con: duckdb.DuckDBPyConnection, ft: FileType, path: Path, month: str, reason: str, council: str
) -> FileLoad:
    result = _outcome(ft, path.name, None, "missing", month, _new_load_id(), message=reason)
    _commit(con, ft, ld.month_bounds(month)[0], path, result, council=council)
    return result


def _drop_vanished_annual(con: duckdb.DuckDBPyConnection, landing: Path, month: str, council: str) -> None:
    """Annual files are optional: the council's rows of one no longer in the folder are removed."""
    present = [p.name for _, p in ld.annual_files(landing, month)]
    m = ld.month_bounds(month)[0]

    con.execute("BEGIN TRANSACTION")
    try:
        for ft in ANNUAL_FILE_TYPES:
            con.execute(
                f"DELETE FROM {_table(ft)} WHERE _council = $c AND _month = $m AND NOT list_contains($p, _file)",
                {"m": m, "p": present, "c": council},
            )
            con.execute(
                "DELETE FROM raw._rejects WHERE council_code = $c AND file_type = $ft AND month = $m"
                " AND NOT list_contains($p, file) AND list_contains($checks, check_name)",
                {"ft": ft.key, "m": m, "p": present, "checks": list(LOADER_CHECK_NAMES), "c": council},
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _record_key_first(con: duckdb.DuckDBPyConnection, files: list[tuple[FileType, Path]],
                      pseudo_key: str | None) -> None:
    """Record the key's fingerprint as the month's first person-level file would, one file at a
    time, before its files are loaded side by side (which would otherwise race to record it). A
    key other than the recorded one is left to each file's load to reject."""
    first = next((path for ft, path in files if ps.is_person_level(ft) and path.is_file()), None)
    if first is None:
        return
    try:
        check_key(con, ps.key_and_file(pseudo_key)[0], first.name)
    except SourceFileError:
        pass


def load_month(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    month: str,
    *,
    council: str,
    pseudo_key: str | None = None,
) -> LoadReport:
    """Load every monthly file of ``<landing>/<month>/`` (+ annual survey files found there) as
    `council`'s month (``landing`` is that council's landing folder).

    A monthly file that is absent is logged with status ``missing``; a file that breaks the
    contract with status ``rejected`` (see `SourceFileError`), among them a CLD file whose
    ``LA Code`` is not `council`.
    """
    ld.check_month(month)
    landing = Path(landing)
    ensure_raw_schema(con)
    report = LoadReport()
    folder_exists = ld.month_dir(landing, month).is_dir()

    def load_one(ft: FileType, path: Path) -> FileLoad:
        cur = con.cursor()  # a connection of its own (its temp tables and transaction) to the same database
        try:
            ods = path.with_suffix(".ods")
            if path.is_file():
                return load_file(cur, ft, path, month=month, council=council, pseudo_key=pseudo_key,
                                 schema_ready=True)
            if ft.key in CQC_SHEETS and ods.is_file():
                return load_ods_file(cur, ft, ods, council=council, month=month, pseudo_key=pseudo_key,
                                     schema_ready=True)
            why = "file not found" if folder_exists else f"month folder {month} not found"
            return _missing(cur, ft, path, month, f"{why}: expected {path}", council)
        finally:
            cur.close()

    # The month's files go to different raw tables, each in a transaction of its own, so they are
    # loaded side by side: DuckDB runs a small file's decode on one thread, and the CLD file
    # alone took half of a month's load (docs/BENCHMARKS.md, 2026-12-08).
    files = ld.monthly_files(landing, month)
    _record_key_first(con, files, pseudo_key)
    with ThreadPoolExecutor(max_workers=LOAD_THREADS, thread_name_prefix="ascw-load") as pool:
        futures = [pool.submit(load_one, ft, path) for ft, path in files]
        for future in futures:
            report.add(future.result())
    _drop_vanished_annual(con, landing, month, council)
    for ft, path in ld.annual_files(landing, month):
        report.add(load_file(con, ft, path, council=council, month=month, pseudo_key=pseudo_key))
    return report


def load_reference(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    *,
    council: str,
    force: bool = False,
    pseudo_key: str | None = None,
) -> LoadReport:
    """Load ``<landing>/reference/*.csv`` as `council`'s: a present file replaces the council's
    rows of its table unless unchanged.

    Status ``unchanged``: same SHA-256 as the load the table holds (skipped; ``force=True``
    reloads anyway).  Status ``absent``: no such file; the table is left as it is.
    """
    landing = Path(landing)
    ensure_raw_schema(con)
    report = LoadReport()
    for ft, path in ld.reference_files(landing):
        if path.is_file():
            report.add(load_file(con, ft, path, council=council, pseudo_key=pseudo_key, skip_unchanged=not force))
        else:
            result = _outcome(
                ft,
                path.name,
                None,
                "absent",
                None,
                _new_load_id(),
                message=f"not in {path.parent}: table left unchanged",
            )
            _commit(con, ft, None, path, result, council=council, replace=False)
            report.add(result)
    return report
