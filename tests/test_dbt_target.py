"""Per-warehouse dbt target folders (partial parsing survives between runs; old runs pruned)
and the dbt CLI resource's skipped per-invocation costs."""
import os
import time
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.dbt_target import PARTIAL_PARSE, keep_parse_and_prune, run_target_path
from orchestration.defs.resources import WarehouseDbt
from orchestration.settings import DBT_PROJECT_DIR


def test_first_run_starts_without_a_saved_parse(tmp_path: Path) -> None:
    target = run_target_path(tmp_path / "dbt", "r1")
    assert target == tmp_path / "dbt" / "run-r1" and target.is_dir()
    assert not (target / PARTIAL_PARSE).exists()


def test_a_run_reuses_the_previous_runs_parse(tmp_path: Path) -> None:
    base = tmp_path / "dbt"
    first = run_target_path(base, "r1")
    (first / PARTIAL_PARSE).write_bytes(b"parse-1")
    keep_parse_and_prune(base, first)
    assert (base / PARTIAL_PARSE).read_bytes() == b"parse-1"
    second = run_target_path(base, "r2")
    assert (second / PARTIAL_PARSE).read_bytes() == b"parse-1"


def test_a_run_that_wrote_no_parse_keeps_the_saved_one(tmp_path: Path) -> None:
    base = tmp_path / "dbt"
    base.mkdir()
    (base / PARTIAL_PARSE).write_bytes(b"old")
    failed = run_target_path(base, "r1")
    (failed / PARTIAL_PARSE).unlink()  # dbt died before writing it
    keep_parse_and_prune(base, failed)
    assert (base / PARTIAL_PARSE).read_bytes() == b"old"
    assert not list(base.glob(".*.tmp"))


def test_only_the_newest_runs_are_kept(tmp_path: Path) -> None:
    base = tmp_path / "dbt"
    runs = []
    for i in range(5):
        run = run_target_path(base, f"r{i}")
        (run / "run_results.json").write_text("{}")
        t = time.time() - 100 + i
        os.utime(run, (t, t))
        runs.append(run)
    keep_parse_and_prune(base, runs[-1], keep=3)
    assert sorted(p.name for p in base.glob("run-*")) == ["run-r2", "run-r3", "run-r4"]


def test_the_finished_run_is_kept_even_when_older(tmp_path: Path) -> None:
    base = tmp_path / "dbt"
    finished = run_target_path(base, "slow")
    os.utime(finished, (1, 1))
    for i in range(3):
        run_target_path(base, f"r{i}")
    keep_parse_and_prune(base, finished, keep=1)
    assert [p.name for p in base.glob("run-*")] == ["run-slow"]


def test_the_dbt_resource_overrides_still_exist_upstream() -> None:
    """WarehouseDbt overrides two private methods of the pinned dagster-dbt; an upgrade that
    renames them would silently bring the costs back."""
    assert "_cli_version" in vars(DbtCliResource)
    assert "_initialize_dbt_core_adapter" in vars(DbtCliResource)


def test_the_dbt_resource_reads_the_installed_version_without_running_dbt(monkeypatch) -> None:
    def no_subprocess(*args, **kwargs):
        raise AssertionError("dbt --version was run")

    monkeypatch.setattr("dagster_dbt.core.resource.check_output", no_subprocess)
    resource = WarehouseDbt(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR))
    assert resource._cli_version >= version.parse("1.11")
    assert resource._cli_version < version.parse("1.12")
    assert resource._initialize_dbt_core_adapter(["build"]) is None
