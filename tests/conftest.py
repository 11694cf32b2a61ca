"""Shared fixtures: the dbt manifest (built once per session) and paths to shared material."""
import os
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
