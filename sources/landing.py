"""Where files live in the landing directory (see SOURCES.md) and which months exist."""

from __future__ import annotations

import calendar
import re
from datetime import date
from pathlib import Path

from .contracts import ANNUAL_FILE_TYPES, MONTHLY_FILE_TYPES, REFERENCE_FILE_TYPES, FileType

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
REFERENCE_DIR = "reference"


def check_month(month: str) -> str:
    if not isinstance(month, str) or not MONTH_RE.match(month):
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    return month


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of a YYYY-MM month."""
    y, m = (int(p) for p in check_month(month).split("-"))
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def discover_months(landing: Path) -> list[str]:
    """Month folders (YYYY-MM) in the landing directory, oldest first."""
    landing = Path(landing)
    if not landing.is_dir():
        return []
    return sorted(p.name for p in landing.iterdir() if p.is_dir() and MONTH_RE.match(p.name))


def month_dir(landing: Path, month: str) -> Path:
    return Path(landing) / check_month(month)


def monthly_files(landing: Path, month: str) -> list[tuple[FileType, Path]]:
    """Every monthly file type with the path its file must have (present or not)."""
    folder = month_dir(landing, month)
    return [(ft, folder / ft.file_name(month=month)) for ft in MONTHLY_FILE_TYPES]


def annual_files(landing: Path, month: str) -> list[tuple[FileType, Path]]:
    """Annual files present in the month folder (e.g. ascs_responses_2025.csv), by name."""
    folder = month_dir(landing, month)
    found: list[tuple[FileType, Path]] = []
    if not folder.is_dir():
        return found
    for ft in ANNUAL_FILE_TYPES:
        pattern = re.compile("^" + re.escape(ft.file_pattern).replace(r"\{year\}", r"\d{4}") + "$")
        found += [
            (ft, p) for p in sorted(folder.iterdir()) if p.is_file() and pattern.match(p.name)
        ]
    return found


def reference_files(landing: Path) -> list[tuple[FileType, Path]]:
    """Every reference file type with the path its file must have (present or not)."""
    folder = Path(landing) / REFERENCE_DIR
    return [(ft, folder / ft.file_name()) for ft in REFERENCE_FILE_TYPES]
