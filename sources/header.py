"""Match a file's header against its contract.

Names must match exactly as published (case, spaces, punctuation) after the file type's accepted
decorations are removed (the census suffix ``; measures: Value``).  A missing required column or
a contract column given twice rejects the file; an optional contract column that is absent is
loaded as NULL; every other column is an extra, kept in ``_extra`` (SNPP: four-digit year
columns are the values to unpivot instead).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .contracts import FileType
from .report import SourceFileError

_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class HeaderMap:
    names: tuple[str, ...]  # cleaned names, in file order
    positions: dict[str, int]  # contract column -> field index (absent optional columns left out)
    extras: tuple[tuple[str, int], ...]  # (key in _extra, field index)
    years: tuple[tuple[int, int], ...] = ()  # (year, field index) of a wide file


def clean_name(ft: FileType, name: str) -> str:
    for suffix in ft.header_suffixes:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _squash(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def match_header(ft: FileType, header: list[str], file: str) -> HeaderMap:
    names = [clean_name(ft, h) for h in header]
    contract = set(ft.column_names)
    positions: dict[str, int] = {}
    extras: list[tuple[str, int]] = []
    years: list[tuple[int, int]] = []
    seen_extra: set[str] = set()
    for i, name in enumerate(names):
        if name in contract:
            if name in positions:
                raise SourceFileError(
                    file,
                    1,
                    name,
                    f"column appears twice in the header (fields {positions[name] + 1}"
                    f" and {i + 1})",
                    check="file_header",
                )
            positions[name] = i
        elif ft.wide_year_columns and _YEAR.match(name.strip()):
            years.append((int(name.strip()), i))
        else:
            key = name if name.strip() else f"(blank header, field {i + 1})"
            while key in seen_extra:
                key = f"{key} (field {i + 1})"
            seen_extra.add(key)
            extras.append((key, i))
    for col in ft.columns:
        if col.required and col.name not in positions:
            near = [n for n in names if _squash(n) == _squash(col.name)]
            hint = f" (found {near[0]!r}, which differs in case or spacing)" if near else ""
            raise SourceFileError(
                file, 1, col.name, f"missing required column{hint}", check="file_header"
            )
    if ft.wide_year_columns and not years:
        raise SourceFileError(
            file,
            1,
            None,
            "no year columns (four-digit headers such as 2022) to unpivot",
            check="file_header",
        )
    if len({y for y, _ in years}) != len(years):
        raise SourceFileError(file, 1, None, "a year column appears twice", check="file_header")
    return HeaderMap(tuple(names), positions, tuple(extras), tuple(years))
