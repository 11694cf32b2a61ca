"""Shared fixtures: the dbt manifest (built once per session), the generated council the end-to-end
modules start from (built once per run), and the fixtures copied into tests/fixtures/."""
import fcntl
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline_helpers import WAITING_MONTHS, Site, generate

# A key for the synthetic councils of this test run, so that no run writes a key file into the
# user's config folder (sources/pseudonymise.py) and every refresh of the run, including the ones in
# subprocesses, hashes person ids alike. Tests of the key file itself unset it.
os.environ.setdefault("ASCW_PSEUDO_KEY", "ascw-test-suite-key-synthetic-data-only")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
REAL_SAMPLES = FIXTURES / "real_samples"  # real CQC and ONS files (PROVENANCE.md)
REFERENCE = FIXTURES / "reference"  # the councils' published figures (PROVENANCE.md)


# Every file a test (or fixture, or the code it runs in this process) opens outside the repository's
# own folder but beside it (the project's material outside the repository) is recorded, and the session
# fails on it: a clone on a fresh machine has none of it (tests/test_self_contained.py).
OUTSIDE_READS: list[str] = []


def _audit_opens(event: str, args: tuple) -> None:
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        try:
            path = Path(os.fsdecode(args[0])).resolve()
        except (OSError, ValueError):
            return
        if _beside_the_repository(path):
            OUTSIDE_READS.append(str(path))


TMP = Path(tempfile.gettempdir()).resolve()


def _beside_the_repository(path: Path) -> bool:
    """Under the repository's parent folder but not in the repository. The temporary folder (the
    tests' own files) never counts, even for a clone that sits in it (whose sibling folders then
    go unwatched: clone elsewhere to check them)."""
    if not path.is_relative_to(ROOT.parent) or path.is_relative_to(ROOT):
        return False
    return not path.is_relative_to(TMP)


sys.addaudithook(_audit_opens)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if OUTSIDE_READS:
        print(f"\nfiles outside the repository were opened: {sorted(set(OUTSIDE_READS))}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
def shared_gx_verdicts(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Path]:
    """One store of GX verdicts for every refresh of the run, on both workers
    (orchestration/gates/verdict_store.py), as `refresh-region` gives its councils one: the
    end-to-end modules refresh the same generated council many times, and a verdict is GX's on a
    value under an expectation whoever asked first. Tests of the store itself pass their own."""
    base = tmp_path_factory.getbasetemp()
    folder = (base if worker_id == "master" else base.parent) / "gx_verdicts"
    saved = os.environ.get("ASCW_GX_VERDICTS")
    os.environ["ASCW_GX_VERDICTS"] = str(folder)
    yield folder
    if saved is None:
        os.environ.pop("ASCW_GX_VERDICTS", None)
    else:
        os.environ["ASCW_GX_VERDICTS"] = saved


def _built_once(tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str,
                build: Callable[[Path], None]) -> Path:
    """The folder `name` in the run's shared temporary folder, built by `build` once per test run
    and shared by the xdist workers (pytest-xdist's recipe: a file lock; the first worker builds
    it, the others wait for it). A folder a worker left half-built is built again."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    root = shared / name
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "ready").exists():
            shutil.rmtree(root, ignore_errors=True)
            build(root)
            (root / "ready").touch()
    return root


def _site_in(root: Path) -> Site:
    return Site(root / "landing", root / "warehouse" / "ascw.duckdb", root / "exports")


@pytest.fixture(scope="session")
def waiting_site(tmp_path_factory: pytest.TempPathFactory, worker_id: str, dbt_manifest: Path) -> Site:
    """The council of WAITING_MONTHS (pipeline_helpers), built once per test run: every month but
    the last published by `refresh --all` on a new warehouse, the last month's folder in the
    landing and not loaded. Tests must not change it: they `copy_to` a folder of their own."""

    def build(root: Path) -> None:
        site = _site_in(root)
        generate(site.landing, months=len(WAITING_MONTHS), end_month=WAITING_MONTHS[-1])
        held = root / "held"
        (site.landing / WAITING_MONTHS[-1]).rename(held)
        assert site.refresh("--all") == 0
        held.rename(site.landing / WAITING_MONTHS[-1])

    site = _site_in(_built_once(tmp_path_factory, worker_id, "waiting_site", build))
    assert sorted(p.name for p in site.exports.iterdir()) == list(WAITING_MONTHS[:-1])
    return site


@pytest.fixture(scope="session")
def published_site(tmp_path_factory: pytest.TempPathFactory, worker_id: str, waiting_site: Site) -> Site:
    """`waiting_site` with its last month refreshed by `refresh --month`: every month published.
    Built once per test run (test_pipeline_e2e, test_pipeline_gates_block); read-only as above."""

    def build(root: Path) -> None:
        site = waiting_site.copy_to(root)
        assert site.refresh("--month", WAITING_MONTHS[-1]) == 0

    site = _site_in(_built_once(tmp_path_factory, worker_id, "published_site", build))
    assert sorted(p.name for p in site.exports.iterdir()) == list(WAITING_MONTHS)
    return site


# The longest test files first (measured with `--durations`). With `--dist loadfile` each file runs
# on one worker; `make test` passes `--no-loadscope-reorder` so that xdist hands the files out in
# this order (by default it sorts them by their number of tests). Each worker starts with one file
# and is handed the next one in the order when it has at most two tests left. So one worker builds
# `waiting_site` in test_hardening_pipeline while the other runs test_multi_council (no
# `waiting_site`), then builds `published_site` from it for
# test_pipeline_e2e and test_pipeline_gates_block, which start after `waiting_site` is built
# instead of waiting on its lock. Short files fill in around them. `-n 3` was slower on 2 cores
# (801 s against 683 s for the whole suite, 2026-12-01).
LONGEST_FIRST = (
    "test_hardening_pipeline.py",
    "test_multi_council.py",
    "test_pipeline_e2e.py",
    "test_pipeline_gates_block.py",
    "test_pipeline_faults.py",
    "test_multi_council_build.py",
    "test_gates_source.py",
    "test_gates_batch.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order
