"""The repository stands alone: no test, fixture or code reads the project's shared material beside
it (a clone on a fresh machine has none). Checked twice: no source names such a path, and every
file the test process opens beside the repository fails the session (tests/conftest.py)."""
import re
from pathlib import Path

import conftest
import pytest

ROOT = Path(__file__).resolve().parent.parent
# A path to the project's material beside the repository built in code: the parent folder then
# FOLDER as one string, or ... / FOLDER.
FOLDER = "shared"
# (Comments that cite the specs by name are not reads.)
OUTSIDE = re.compile(rf"""["']\.\./{FOLDER}|/\s*["']{FOLDER}["']""")


def test_no_source_names_the_shared_material() -> None:
    offenders = []
    for folder in ("tests", "sources", "orchestration", "bench", "dbt_project", "expectations"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".sql", ".yml", ".json", ".cfg", ".toml") or path == Path(__file__):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            offenders += [f"{path.relative_to(ROOT)}:{i}" for i, line in enumerate(text.splitlines(), 1)
                          if OUTSIDE.search(line)]
    assert offenders == []


def test_an_open_beside_the_repository_is_recorded() -> None:
    if ROOT.is_relative_to(conftest.TMP):
        pytest.skip("a clone in the temporary folder: its sibling folders are the tests' own and go unwatched")
    stray = ROOT.parent / "not-this-repository" / "file.csv"
    try:
        stray.open()
    except OSError:
        pass
    assert str(stray) in conftest.OUTSIDE_READS
    conftest.OUTSIDE_READS.remove(str(stray))  # recorded on purpose: not a failure of the session


def test_the_copied_material_has_its_provenance() -> None:
    for folder in ("real_samples", "reference"):
        assert (ROOT / "tests" / "fixtures" / folder / "PROVENANCE.md").is_file(), folder
