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

    DbtProject.prepare_if_dev() only acts under `dagster dev`; tests prepare it themselves.
    """
    import fcntl

    os.environ.setdefault("ASCW_WAREHOUSE", str(tmp_path_factory.mktemp("wh") / "parse.duckdb"))
    from orchestration.defs.resources import dbt_project

    # pytest-xdist workers share dbt_project/target: one `dbt parse` at a time.
    lock_path = dbt_project.project_dir / ".parse.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        dbt_project.preparer.prepare(dbt_project)
    assert dbt_project.manifest_path.exists()
    return dbt_project.manifest_path
