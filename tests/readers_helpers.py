"""Helpers shared by tests/test_readers_*.py (fixture paths, CSV mutation, a fresh DB)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from sources.contracts import FILE_TYPES, FileType

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "readers"
LANDING = FIXTURES / "landing"
MONTH = "2025-03"
REAL_SAMPLES = Path(__file__).resolve().parent / "fixtures" / "real_samples"  # PROVENANCE.md there
TEST_KEY = "test-key-for-readers"


def fixture_path(ft: FileType) -> Path:
    """The hand-written fixture file of a file type."""
    if ft.scope == "reference":
        return LANDING / "reference" / ft.file_name()
    if ft.scope == "annual":
        return LANDING / MONTH / ft.file_name(year=2024)
    return LANDING / MONTH / ft.file_name(month=MONTH)


def read_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def csv_bytes(rows: list[list[str]], newline: str = "\n", bom: bool = False) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline).writerows(rows)
    data = buf.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" if bom else b"") + data


def copy_landing(dest: Path) -> Path:
    shutil.copytree(LANDING, dest)
    return dest


def place(tmp: Path, ft: FileType, data: bytes, name: str | None = None) -> Path:
    """Write `data` where a file of type `ft` lives in a landing dir rooted at `tmp`."""
    rel = fixture_path(ft).relative_to(LANDING)
    path = tmp / rel.parent / (name or rel.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


ALL_TYPES: list[FileType] = list(FILE_TYPES.values())
