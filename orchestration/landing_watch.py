"""Pure functions the landing sensor and schedule use: which council-months have a complete set
of files, and a fingerprint of those files so that the same files never trigger a second run."""
import hashlib
from pathlib import Path

from orchestration.landing_layout import CouncilLanding, month_folders
from orchestration.partitions_key import Part
from sources.contracts import MONTHLY_FILE_TYPES

__all__ = ["complete_months", "complete_parts", "expected_files", "fingerprint", "month_folders", "new_or_changed"]


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
    """month (`YYYY-MM`) -> fingerprint, for every month folder of one council's landing folder
    holding all its monthly files."""
    out: dict[str, str] = {}
    for folder in month_folders(landing):
        files = [folder / name for name in expected_files(folder.name)]
        if all(f.is_file() for f in files):
            out[folder.name] = fingerprint(files)
    return out


def complete_parts(councils: list[CouncilLanding]) -> dict[Part, str]:
    """Every council-month with a complete set of files -> its fingerprint."""
    return {Part(c.code, m): fp for c in councils for m, fp in complete_months(c.folder).items()}


def new_or_changed(current: dict[str, str], seen: dict[str, str]) -> dict[str, str]:
    """The keys whose complete file set was not requested before with these same files."""
    return {k: fp for k, fp in sorted(current.items()) if seen.get(k) != fp}
