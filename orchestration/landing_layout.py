"""Which councils a landing directory holds, and where each council's folder is.

A landing directory is either one council's folder (`YYYY-MM/` and `reference/` inside: what
`ascw refresh --landing` reads) or a root holding one such folder per council (what `ascw
refresh-region --landing-root` reads, as `ascw-generate --councils N` writes them). A council's
code is, in order: the code given (`--council`, one-council layout only); the folder's name when
it is an ONS local-authority code (E06/E07/E08/E09/E10 + 6 digits; generated folders are named so);
else the `LA Code` most of the folder's CLD extracts start with. The loader rejects a CLD file whose
`LA Code` is not the council's, so a folder named for one council holding another's extracts is
blocked with that reason rather than loaded under the wrong council.

Pure functions of the file system, used by the `ascw` command, the Dagster sensor and schedule,
and the assets (tests/test_landing_layout.py).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from sources.contracts import ANNUAL_FILE_TYPES, LAS_CLD, MONTHLY_FILE_TYPES, REFERENCE_FILE_TYPES
from sources.landing import MONTH_RE, REFERENCE_DIR
from sources.ods import CQC_SHEETS
from sources.scenarios import SCENARIO_SUFFIXES, SCENARIOS_DIR

COUNCIL_CODE_RE = re.compile(r"^E(0[6-9]|10)\d{6}$")


@dataclass(frozen=True)
class CouncilLanding:
    code: str
    folder: Path


def month_folders(folder: Path) -> list[Path]:
    """The `YYYY-MM` folders of a council's landing folder, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and MONTH_RE.match(p.name))


def is_council_folder(folder: Path) -> bool:
    return bool(month_folders(folder)) or (folder / REFERENCE_DIR).is_dir()


def first_la_code(path: Path) -> str | None:
    """The `LA Code` of the first record of a CLD extract that has one."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                code = (row.get("LA Code") or "").strip().upper()
                if code:
                    return code
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


def code_from_extracts(folder: Path) -> str | None:
    """The council the folder's CLD extracts name: the `LA Code` most of its months' extracts
    start with (the oldest month's on a tie), so that one month's file of another council is
    rejected by the loader as not the council's, rather than taken for the council."""
    codes = [code for month in month_folders(folder)
             if (code := first_la_code(month / LAS_CLD.file_name(month=month.name)))]
    if not codes:
        return None
    return max(dict.fromkeys(codes), key=codes.count)


def council_code(folder: Path, given: str | None = None) -> str | None:
    if given:
        return given.strip().upper()
    if COUNCIL_CODE_RE.match(folder.name.upper()):
        return folder.name.upper()
    return code_from_extracts(folder)


def resolve_layout(landing: Path, layout: str) -> str:
    if layout != "auto":
        return layout
    return "council" if month_folders(landing) else "region"


def council_landings(landing: Path, layout: str = "auto", council: str | None = None) -> list[CouncilLanding]:
    """The councils of a landing directory, by code. A folder whose code cannot be told (no
    ONS-code name, no CLD extract) is left out; two folders of one council keep the first (by
    name) and the other is left out (`unknown_folders` names both kinds)."""
    landing = landing.resolve()
    if resolve_layout(landing, layout) == "council":
        code = council_code(landing, council)
        return [CouncilLanding(code, landing)] if code else []
    found: dict[str, CouncilLanding] = {}
    for folder in sorted(p for p in landing.iterdir() if p.is_dir()) if landing.is_dir() else []:
        if not is_council_folder(folder):
            continue
        code = council_code(folder)
        if code and code not in found:
            found[code] = CouncilLanding(code, folder)
    return sorted(found.values(), key=lambda c: c.code)


def unknown_folders(landing: Path, layout: str = "auto") -> list[Path]:
    """Folders of a region landing root that are not read: not a council folder, no code, or a
    second folder of a council."""
    landing = landing.resolve()
    if resolve_layout(landing, layout) == "council" or not landing.is_dir():
        return []
    used = {c.folder for c in council_landings(landing, "region")}
    return [p for p in sorted(landing.iterdir()) if p.is_dir() and p not in used]


def _expected_in_month(month: str) -> set[str]:
    names = {ft.file_name(month=month) for ft in MONTHLY_FILE_TYPES}
    return names | {ft.file_name(month=month).replace(".csv", ".ods") for ft in MONTHLY_FILE_TYPES
                    if ft.key in CQC_SHEETS}


ANNUAL_RE = [re.compile("^" + re.escape(ft.file_pattern).replace(r"\{year\}", r"\d{4}") + "$")
             for ft in ANNUAL_FILE_TYPES]


def unexpected_entries(folder: Path, month: str | None = None) -> list[str]:
    """What in a council's landing folder no reader takes (so it is named, never silently
    ignored): folders that are not `YYYY-MM`, `reference` or `scenarios`, files beside them, any file in
    `scenarios/` that is not `.yml`/`.yaml`, and in each month
    folder (only `month`'s when given) and in `reference/` any file that is not one of the contract's
    names (a second extract such as `las_cld_2024-03 (corrected).csv`, a misnamed one). Paths
    relative to the folder, sorted."""
    if not folder.is_dir():
        return []
    out: list[str] = []
    for entry in sorted(folder.iterdir()):
        if entry.is_dir() and MONTH_RE.match(entry.name):
            if month is not None and entry.name != month:
                continue
            expected = _expected_in_month(entry.name)
            out += [f"{entry.name}/{f.name}" for f in sorted(entry.iterdir())
                    if not (f.is_file() and (f.name in expected or any(r.match(f.name) for r in ANNUAL_RE)))]
        elif entry.is_dir() and entry.name == SCENARIOS_DIR:
            out += [f"{entry.name}/{f.name}" for f in sorted(entry.iterdir())
                    if not (f.is_file() and f.suffix.lower() in SCENARIO_SUFFIXES)]
        elif entry.is_dir() and entry.name == REFERENCE_DIR:
            expected = {ft.file_name() for ft in REFERENCE_FILE_TYPES}
            out += [f"{entry.name}/{f.name}" for f in sorted(entry.iterdir())
                    if not (f.is_file() and f.name in expected)]
        else:
            out.append(entry.name + ("/" if entry.is_dir() else ""))
    return out
