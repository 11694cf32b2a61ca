"""Shared fixtures: the dbt manifest (built once per session) and paths to shared material."""
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REAL_SAMPLES = SHARED / "real-samples"
REFERENCE = SHARED / "reference"


@pytest.fixture(scope="session")
def dbt_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dbt parse` once, so that the Dagster definitions (which read the manifest) can load.

    DbtProject.prepare_if_dev() only acts under `dagster dev`; tests prepare it themselves,
    as `ascw refresh` does.
    """
    os.environ.setdefault("ASCW_WAREHOUSE", str(tmp_path_factory.mktemp("wh") / "parse.duckdb"))
    from orchestration.dbt_manifest import ensure_manifest
    from orchestration.defs.resources import dbt_project

    ensure_manifest(dbt_project)  # parses when the project's files changed (file-locked)
    assert dbt_project.manifest_path.exists()
    return dbt_project.manifest_path


@pytest.fixture(scope="session", autouse=True)
def dbt_fork_server() -> Iterator[None]:
    """One dbt fork server per test worker (orchestration/dbt_forkserver.py): every refresh
    and `ascw-dbt` run of the session skips dbt's ~4 s of imports, as refreshes do."""
    from orchestration.dbt_forkserver import running

    with running():
        yield
