"""Byte-level and structural checks of a landing CSV, and the DuckDB `read_csv` call.

The happy path streams: one Python pass over the bytes (SHA-256 and a strict UTF-8 check, C
speed, constant memory) and one DuckDB `read_csv(..., all_varchar=true, header=true)` scan.
Only when DuckDB refuses the file does `find_structure_problem` re-read it in Python to name the
record, byte and column at fault (DuckDB's own message quotes the offending line, which may hold
personal data, so it is never passed on).

Record numbering (``_line``): the header is record 1, the first data record 2.  A record is an
RFC 4180 record, so a quoted field with embedded newlines is still one record and does not
advance the count; blank lines are skipped by DuckDB and not counted either.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .report import SourceFileError

CHUNK_BYTES = 1 << 20
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FileScan:
    size: int
    sha256: str
    has_bom: bool
    bad_byte_offset: int | None  # first byte that is not valid UTF-8 (0-based), None if all valid
    bad_byte: int | None


def scan_bytes(path: Path) -> FileScan:
    """SHA-256 of the file and the offset of its first invalid UTF-8 byte, in one pass."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    pos = 0
    bad: int | None = None
    bad_byte: int | None = None
    head = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            digest.update(chunk)
            if len(head) < 3:
                head = (head + chunk)[:3]
            if bad is None:
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    bad = pos - pending + exc.start
            pos += len(chunk)
        if bad is None:
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                bad = pos - pending + exc.start
    if bad is not None:
        with open(path, "rb") as fh:
            fh.seek(bad)
            b = fh.read(1)
            bad_byte = b[0] if b else None
    return FileScan(
        size=pos,
        sha256=digest.hexdigest(),
        has_bom=head.startswith(UTF8_BOM),
        bad_byte_offset=bad,
        bad_byte=bad_byte,
    )


def read_header(path: Path, file: str) -> list[str]:
    """The header record's field names (BOM removed), or SourceFileError if there is none.

    Call only after `scan_bytes` found the file valid UTF-8.
    """
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            header = []
        except csv.Error as exc:
            raise SourceFileError(
                file, 1, None, f"header record is not valid CSV ({exc})"
            ) from None
    if not header or all(not h.strip() for h in header):
        raise SourceFileError(
            file,
            1,
            None,
            "no header row (the file holds only a byte-order mark or blank lines)",
            check="file_empty",
        )
    return header


def read_header_prefix(path: Path, limit: int) -> list[str]:
    """The header names found in the first `limit` bytes (for a file that is bad after them)."""
    with open(path, "rb") as fh:
        prefix = fh.read(limit)
    text = prefix.decode("utf-8-sig", errors="replace")
    return next(csv.reader(io.StringIO(text), strict=False), [])


# --- locating a structural problem (failure path only) ----------------------------------------
_DELIM_OR_NL = re.compile(r"[,\r\n]")


@dataclass(frozen=True)
class StructureProblem:
    line: int  # record number, header = 1
    field_index: int | None  # 0-based field of that record
    char_offset: int  # offset in the decoded text (BOM excluded)
    reason: str
    check: str = "file_structure"


@dataclass(frozen=True)
class ScanState:
    line: int  # record being read when the text ended
    field_index: int


def _walk(text: str, n_fields: int | None, names: list[str] | None) -> StructureProblem | ScanState:
    """Walk RFC 4180 records of `text`; return the first problem or the state at the end.

    With ``n_fields=None`` field counts are not checked and an unterminated quote at the end of
    the text is not an error (used to find which record/field a byte offset falls in).
    """
    n = len(text)
    i = 0
    line = 1
    field_index = 0
    record_start = 0
    newline: str | None = None

    def count_problem(fields: int, at: int, last: bool) -> StructureProblem | None:
        if n_fields is None or line == 1 or fields == n_fields:
            return None
        if fields < n_fields:
            missing = names[fields] if names and fields < len(names) else f"field {fields + 1}"
            what = "truncated last line" if last else "record is short"
            return StructureProblem(
                line,
                fields,
                record_start,
                f"{what}: {fields} fields where the header has {n_fields} (first missing column "
                f"{missing!r})",
            )
        return StructureProblem(
            line,
            n_fields,
            record_start,
            f"record has {fields} fields where the header has {n_fields}",
        )

    while True:
        # at the start of a field
        if i < n and text[i] == '"':
            j = i + 1
            while True:
                k = text.find('"', j)
                if k == -1:
                    if n_fields is None:
                        return ScanState(line, field_index)
                    return StructureProblem(
                        line,
                        field_index,
                        i,
                        "unterminated quoted field (the quote opened here never closes: "
                        "truncated file?)",
                    )
                if k + 1 < n and text[k + 1] == '"':
                    j = k + 2
                    continue
                i = k + 1
                break
            if i < n and text[i] not in ",\r\n":
                return StructureProblem(
                    line, field_index, i, "unexpected character after a closing quote"
                )
        else:
            m = _DELIM_OR_NL.search(text, i)
            i = n if m is None else m.start()
        if i >= n:
            blank = i == record_start
            if n_fields is None:
                return ScanState(line, field_index)
            if not blank:
                problem = count_problem(field_index + 1, record_start, last=True)
                if problem:
                    return problem
            return ScanState(line, field_index)
        c = text[i]
        if c == ",":
            field_index += 1
            i += 1
            continue
        nl = "\r\n" if text.startswith("\r\n", i) else c
        blank = i == record_start
        if newline is None:
            newline = nl
        elif nl != newline:
            return StructureProblem(
                line,
                None,
                i,
                f"mixed line endings: {nl!r} where the file's records end with {newline!r}",
            )
        i += len(nl)
        if not blank:
            problem = count_problem(field_index + 1, record_start, last=i >= n)
            if problem:
                return problem
            line += 1
        field_index = 0
        record_start = i


def _read_text(path: Path) -> str:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return fh.read()


def _byte_offset(text: str, char_offset: int, has_bom: bool) -> int:
    return len(text[:char_offset].encode("utf-8")) + (3 if has_bom else 0)


def find_structure_problem(path: Path, header: list[str]) -> tuple[StructureProblem, int] | None:
    """First structural problem of a valid-UTF-8 file and its byte offset, or None."""
    text = _read_text(path)
    result = _walk(text, len(header), header)
    if isinstance(result, StructureProblem):
        has_bom = path.read_bytes()[:3] == UTF8_BOM
        return result, _byte_offset(text, result.char_offset, has_bom)
    return None


def locate_byte(path: Path, offset: int) -> ScanState:
    """Record number and field index that contain byte `offset` (for undecodable bytes)."""
    with open(path, "rb") as fh:
        prefix = fh.read(offset)
    if prefix.startswith(UTF8_BOM):
        prefix = prefix[3:]
    text = prefix.decode("utf-8", errors="replace")
    result = _walk(text, None, None)
    assert isinstance(result, ScanState)
    return result


# --- the DuckDB reader -----------------------------------------------------------------------
def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def source_name(index: int) -> str:
    """Name given to field `index` inside the DuckDB scan (published names can be anything)."""
    return f"f{index}"


def read_csv_sql(path: Path, n_fields: int) -> str:
    """A strict, non-sniffing `read_csv` of all fields as VARCHAR, with the record number.

    ``_line`` = ordinality + 1 (header = record 1).  `strict_mode` makes DuckDB refuse short and
    long records, unterminated quotes and stray characters after a closing quote instead of
    guessing; a UTF-8 BOM is skipped by DuckDB.
    """
    cols = ", ".join(f"'{source_name(i)}': 'VARCHAR'" for i in range(n_fields))
    return (
        "SELECT ordinality + 1 AS _line, * EXCLUDE (ordinality)"
        f" FROM read_csv({sql_string(str(path))},"
        f" header = true, all_varchar = true, auto_detect = false, delim = ',', quote = '\"',"
        f" escape = '\"', strict_mode = true, null_padding = false, ignore_errors = false,"
        f" columns = {{{cols}}}) WITH ORDINALITY"
    )


_DUCKDB_LINE = re.compile(r"CSV Error on Line: (\d+)")


def safe_duckdb_reason(message: str) -> tuple[int | None, str]:
    """DuckDB's line number and first message line, without the quoted original line."""
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    m = _DUCKDB_LINE.search(message)
    return (int(m.group(1)) if m else None), first
