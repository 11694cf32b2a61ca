"""Read one landing CSV into a temporary DuckDB table of decoded rows (the generic reader).

One reader serves every file type: the contract (`sources.contracts.FileType`) says which
columns to expect and how to decode them.  `read_source` raises `SourceFileError` when the file
as a whole breaks the contract (empty, not UTF-8, header, CSV structure) and otherwise returns a
`DecodedFile`: a TEMP table holding, per data record, ``_line``, every contract column decoded
to its raw type (person identifiers already hashed, postcode already reduced: no clear
identifier is ever written to a table, even a temporary one), ``_extra`` (JSON of the extra
columns; in a person-level file their values are keyed hashes) and ``_errors`` (one struct per
value that could not be decoded, identifier columns judged on the field as read, before trimming:
`decode.identifier_rules`), plus the contract's derived columns (the CLD's ``_nhs_number_valid``:
the NHS Number's modulus 11 check, judged on the clear value before it is hashed).  Wide files (SNPP) also carry ``__values`` (one decoded value
per year column).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from . import csv_io, decode
from . import pseudonymise as ps
from .contracts import RAW_TYPES, Column, FileType
from .header import HeaderMap, match_header
from .report import SourceFileError

ERROR_STRUCT = 'STRUCT("column" VARCHAR, value VARCHAR, reason VARCHAR, check_name VARCHAR)'


@dataclass(frozen=True)
class DecodedFile:
    file_type: FileType
    file: str
    table: str  # temp table name
    header: HeaderMap
    cqc: decode.CqcOrder | None
    rows_read: int
    rows_rejected: int

    @property
    def rows_loaded(self) -> int:
        return self.rows_read - self.rows_rejected


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _v(index: int) -> str:
    return f"v{index}"


def _r(index: int) -> str:
    """The field as read (untrimmed) of an identifier column."""
    return f"r{index}"


def _identifier_positions(ft: FileType, hm: HeaderMap) -> list[int]:
    return sorted(hm.positions[c.name] for c in ft.columns if c.identifier and c.name in hm.positions)


def check_bytes(scan: csv_io.FileScan, path: Path, file: str) -> None:
    """Reject an empty file or one with an undecodable byte, naming the record and column."""
    if scan.size == 0:
        raise SourceFileError(file, None, None, "empty file (0 bytes)", check="file_empty")
    if scan.bad_byte_offset is not None:
        where = csv_io.locate_byte(path, scan.bad_byte_offset)
        column: str | None = None
        if where.line == 1:
            column = f"header field {where.field_index + 1}"
        else:
            try:
                header = csv_io.read_header_prefix(path, scan.bad_byte_offset)
            except Exception:  # noqa: BLE001 - the column name is a courtesy
                header = []
            column = (
                header[where.field_index]
                if where.field_index < len(header)
                else f"field {where.field_index + 1}"
            )
        byte = f"0x{scan.bad_byte:02X}" if scan.bad_byte is not None else "a truncated sequence"
        raise SourceFileError(
            file,
            where.line,
            column,
            f"undecodable byte {byte}: the file is not UTF-8 (Windows-1252 '£' is 0xA3; save as "
            f"CSV UTF-8)",
            check="file_encoding",
            byte=scan.bad_byte_offset,
        )


def _structure_error(
    path: Path, header: list[str], file: str, exc: duckdb.Error
) -> SourceFileError:
    found = csv_io.find_structure_problem(path, header)
    if found is not None:
        problem, byte = found
        column = None
        if problem.field_index is not None:
            column = (
                header[problem.field_index]
                if problem.field_index < len(header)
                else f"field {problem.field_index + 1}"
            )
        return SourceFileError(
            file, problem.line, column, problem.reason, check=problem.check, byte=byte
        )
    line, first = csv_io.safe_duckdb_reason(str(exc))
    return SourceFileError(file, line, None, f"CSV reader error: {first}", check="file_structure")


def _trim_layer(ft: FileType, path: Path, header: list[str], hm: HeaderMap) -> str:
    used = sorted({*hm.positions.values(), *(i for _, i in hm.extras), *(i for _, i in hm.years)})
    cols = (
        ", ".join(
            [f"{decode.trimmed_sql(csv_io.source_name(i))} AS {_v(i)}" for i in used]
            + [f"{csv_io.source_name(i)} AS {_r(i)}" for i in _identifier_positions(ft, hm)]
        )
        or "NULL AS v_none"
    )
    return f"SELECT _line, {cols} FROM ({csv_io.read_csv_sql(path, len(header))})"


def _cqc_order(
    con: duckdb.DuckDBPyConnection, ft: FileType, hm: HeaderMap, layer: str, params: dict
) -> decode.CqcOrder | None:
    cols = [c for c in ft.columns if c.kind == "date_cqc" and c.name in hm.positions]
    if not cols:
        return None
    aggs = []
    for c in cols:
        aggs += list(decode.cqc_evidence_sql(_v(hm.positions[c.name])))
    row = con.execute(f"SELECT {', '.join(aggs)} FROM ({layer})", params).fetchone()
    assert row is not None
    return decode.CqcOrder(sum(row[0::2]), sum(row[1::2]))


def _error_struct(name: str, sql: decode.ColumnSQL) -> str | None:
    if not sql.rules:
        return None
    reason, check = decode.reason_sql(sql.rules)
    return (
        f'struct_pack("column" := {csv_io.sql_string(name)}, value := CAST({sql.reject_value} AS '
        f"VARCHAR), reason := {reason}, check_name := {check})"
    )


def decoded_select(ft: FileType, hm: HeaderMap, layer: str, cqc: decode.CqcOrder | None) -> str:
    """The SELECT that decodes every record of the trim layer (pure: SQL text only)."""
    selects = ["_line"]
    errors: list[str] = []
    for col in ft.columns:
        typ = RAW_TYPES[col.kind]
        if col.derived:
            selects.append(f"CAST({_derived_sql(ft, col, hm)} AS {typ}) AS {_q(col.name)}")
            continue
        if col.name not in hm.positions:
            selects.append(f"CAST(NULL AS {typ}) AS {_q(col.name)}")
            continue
        index = hm.positions[col.name]
        sql = decode.column_sql(col, _v(index), cqc, raw=_r(index) if col.identifier else None)
        selects.append(f"CAST({sql.value} AS {typ}) AS {_q(col.name)}")
        if (err := _error_struct(col.name, sql)) is not None:
            errors.append(err)
    if hm.years:
        values = []
        for year, index in hm.years:
            sql = decode.column_sql(Column(str(year), "number", not_null=True), _v(index))
            values.append(f"CAST({sql.value} AS DOUBLE)")
            if (err := _error_struct(str(year), sql)) is not None:
                errors.append(err)
        selects.append(f"[{', '.join(values)}] AS __values")
    if hm.extras:
        # keys sorted by name: a CQC edition that reorders its columns loads identical rows
        pairs = ", ".join(
            f"{csv_io.sql_string(k)}, {ps.extra_value_sql(ft, _v(i))}"
            for k, i in sorted(hm.extras)
        )
        selects.append(f"json_object({pairs}) AS _extra")
    else:
        selects.append("CAST(NULL AS JSON) AS _extra")
    if errors:
        selects.append(
            f"list_filter([{', '.join(errors)}], lambda e: e.reason IS NOT NULL) AS _errors"
        )
    else:
        selects.append(f"CAST([] AS {ERROR_STRUCT}[]) AS _errors")
    return f"SELECT {', '.join(selects)} FROM ({layer})"


def _derived_sql(ft: FileType, col: Column, hm: HeaderMap) -> str:
    """SQL of a derived column from the row's clear (trimmed) values."""
    if col.name == "_nhs_number_valid":
        if ps.NHS_NUMBER not in hm.positions:
            return "NULL"
        return ps.nhs_number_valid_sql(_v(hm.positions[ps.NHS_NUMBER]))
    raise ValueError(f"{ft.key}: no rule computes derived column {col.name!r}")


def read_source(
    con: duckdb.DuckDBPyConnection,
    ft: FileType,
    path: Path,
    scan: csv_io.FileScan,
    pads: ps.HmacPads,
    file: str | None = None,
) -> DecodedFile:
    """Decode `path` into a TEMP table; raise SourceFileError if the file is rejected.

    `file` is the name reported and stored in ``_file`` (default: the path's name).
    """
    file = file or path.name
    check_bytes(scan, path, file)
    header = csv_io.read_header(path, file)
    hm = match_header(ft, header, file)
    layer = _trim_layer(ft, path, header, hm)
    table = f"__ascw_decoded_{uuid.uuid4().hex[:12]}"
    try:
        cqc = _cqc_order(con, ft, hm, layer, {})
        select = decoded_select(ft, hm, layer, cqc)
        params = pads.params() if "$hmac_" in select else {}
        con.execute(f"CREATE TEMP TABLE {table} AS {select} ORDER BY _line", params)
    except duckdb.Error as exc:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        if isinstance(exc, (duckdb.InvalidInputException, duckdb.ConversionException)):
            raise _structure_error(path, header, file, exc) from None
        # not a CSV problem (a bug or a broken database): re-raise without DuckDB's quote of
        # the offending line, which may hold personal data
        _, first = csv_io.safe_duckdb_reason(str(exc))
        raise RuntimeError(f"{file}: DuckDB failed while reading the file: {first}") from None
    row = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE len(_errors) > 0) FROM {table}"
    ).fetchone()
    assert row is not None
    if row[0] == 0:  # SOURCES.md: "an empty file ... rejects the file"; no records is empty
        con.execute(f"DROP TABLE IF EXISTS {table}")
        raise SourceFileError(file, None, None, "empty file: a header row and no records",
                              check="file_empty")
    return DecodedFile(ft, file, table, hm, cqc, int(row[0]), int(row[1]))
