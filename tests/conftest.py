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


# The longest test files, longest first (measured with `--durations`). With `--dist loadfile`
# each file runs on one worker in collection order, so a long file collected last (test_region,
# ~3 min in one test) ran alone at the end while the other worker sat idle. Starting the longest
# first lets the short files fill in around them.
LONGEST_FIRST = (
    "test_hardening_pipeline.py",
    "test_pipeline_gates_block.py",
    "test_pipeline_e2e.py",
    "test_region.py",
    "test_gates_source.py",
    "test_gates_batch.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order


# What an in-process refresh leaves in os.environ that would change the next refresh: the
# council its dbt run was pointed at (`ascw` itself is one process per run, so it never leaks).
COUNCIL_ENV = ("ASCW_COUNCIL", "ASCW_REGION")


@pytest.fixture(autouse=True)
def council_env_restored() -> Iterator[None]:
    """Each test starts from the session's council settings, whichever council the test before it
    refreshed in this worker (a refresh of E06000022 must not make the next demo refresh check
    its extracts against E06000022)."""
    saved = {k: os.environ.get(k) for k in COUNCIL_ENV}
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
