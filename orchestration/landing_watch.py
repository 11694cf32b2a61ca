"""Pure functions the landing sensor uses: which months have a complete set of files, and a
fingerprint of those files so that the same files never trigger a second run."""
import hashlib
from pathlib import Path

from orchestration.months import parse_month
from sources.contracts import MONTHLY_FILE_TYPES


def month_folders(landing: Path) -> list[Path]:
    out = []
    for p in sorted(landing.iterdir()) if landing.is_dir() else []:
        try:
            parse_month(p.name)
        except ValueError:
            continue
        if p.is_dir() and len(p.name) == 7:
            out.append(p)
    return out


def expected_files(month: str) -> list[str]:
    return [ft.file_name(month=month) for ft in MONTHLY_FILE_TYPES]


def fingerprint(paths: list[Path]) -> str:
    """Names, sizes and modification times of the files: changes when any file is replaced."""
    h = hashlib.sha256()
    for p in sorted(paths):
        st = p.stat()
        h.update(f"{p.name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def complete_months(landing: Path) -> dict[str, str]:
    """month (`YYYY-MM`) -> fingerprint, for every month folder holding all its monthly files."""
    out: dict[str, str] = {}
    for folder in month_folders(landing):
        files = [folder / name for name in expected_files(folder.name)]
        if all(f.is_file() for f in files):
            out[folder.name] = fingerprint(files)
    return out


def new_or_changed(current: dict[str, str], seen: dict[str, str]) -> dict[str, str]:
    """The months whose complete file set was not requested before with these same files."""
    return {m: fp for m, fp in sorted(current.items()) if seen.get(m) != fp}
