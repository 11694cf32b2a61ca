"""Byte scan and structural location (sources.csv_io), pure Python."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from sources import csv_io


def _write(tmp_path: Path, data: bytes) -> Path:
    p = tmp_path / "f.csv"
    p.write_bytes(data)
    return p


def test_scan_hash_bom_and_valid_utf8(tmp_path: Path) -> None:
    data = "\ufeffa,b\r\n£1,é\r\n".encode()
    scan = csv_io.scan_bytes(_write(tmp_path, data))
    assert scan.sha256 == hashlib.sha256(data).hexdigest()
    assert scan.has_bom and scan.size == len(data) and scan.bad_byte_offset is None


def test_scan_finds_windows_1252_pound(tmp_path: Path) -> None:
    data = b"a,b\n1,2\n" + b"3,\xa35\n"
    scan = csv_io.scan_bytes(_write(tmp_path, data))
    assert scan.bad_byte_offset == data.index(b"\xa3") and scan.bad_byte == 0xA3


def test_scan_bad_byte_across_chunk_boundary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_io, "CHUNK_BYTES", 4)
    data = "ab£".encode() + b"cd\xe9x"  # valid 2-byte £ split over chunks, then a lone 0xE9
    scan = csv_io.scan_bytes(_write(tmp_path, data))
    assert scan.bad_byte_offset == data.index(b"\xe9")


def test_scan_truncated_multibyte_at_eof(tmp_path: Path) -> None:
    data = b"a\n" + "£".encode()[:1]
    assert csv_io.scan_bytes(_write(tmp_path, data)).bad_byte_offset == 2


def test_locate_byte_counts_records_not_physical_lines(tmp_path: Path) -> None:
    data = b'a,b,c\n1,"x\ny",3\n4,5,\xa3\n'
    where = csv_io.locate_byte(_write(tmp_path, data), data.index(b"\xa3"))
    assert (where.line, where.field_index) == (3, 2)


@pytest.mark.parametrize(
    ("data", "line", "field", "words"),
    [
        (b"a,b,c\n1,2,3\n4,5", 3, 2, "truncated last line"),
        (b"a,b,c\n1,2\n4,5,6\n", 2, 2, "record is short"),
        (b"a,b,c\n1,2,3,4\n", 2, 3, "4 fields"),
        (b'a,b,c\n1,2,3\n4,5,"6\n7,8,9\n', 3, 2, "unterminated"),
        (b'a,b,c\n1,"2"x,3\n', 2, 1, "after a closing quote"),
        (b"a,b,c\r\n1,2,3\n", 2, None, "mixed line endings"),
    ],
)
def test_structure_problems(
    tmp_path: Path, data: bytes, line: int, field: int | None, words: str
) -> None:
    found = csv_io.find_structure_problem(_write(tmp_path, data), ["a", "b", "c"])
    assert found is not None
    problem, byte = found
    assert (problem.line, problem.field_index) == (line, field)
    assert words in problem.reason
    assert 0 <= byte <= len(data)


def test_structure_ok_with_embedded_newlines_blank_lines_and_no_final_newline(
    tmp_path: Path,
) -> None:
    data = b'a,b,c\r\n1,"x\r\ny ""q""",3\r\n\r\n4,5,6'
    assert csv_io.find_structure_problem(_write(tmp_path, data), ["a", "b", "c"]) is None


def test_read_header_strips_bom_and_rejects_bom_only(tmp_path: Path) -> None:
    assert csv_io.read_header(_write(tmp_path, b"\xef\xbb\xbfA,B\n"), "f.csv") == ["A", "B"]
    from sources.report import SourceFileError

    with pytest.raises(SourceFileError, match="no header"):
        csv_io.read_header(_write(tmp_path, b"\xef\xbb\xbf"), "f.csv")


def test_safe_duckdb_reason_drops_the_quoted_line() -> None:
    msg = "Invalid Input Error: CSV Error on Line: 5\nOriginal Line: 9434765919,secret\nmore"
    line, first = csv_io.safe_duckdb_reason(msg)
    assert line == 5 and "9434765919" not in first
