"""Per-warehouse dbt target folders (partial parsing survives between runs; old runs pruned)."""
import os
import time
from pathlib import Path


from orchestration.dbt_target import PARTIAL_PARSE, keep_parse_and_prune, run_target_path


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


def test_the_dbt_resource_overrides_methods_that_dagster_dbt_still_has() -> None:
    """WarehouseDbt overrides two private dagster-dbt methods (orchestration/defs/resources.py):
    an upgrade that renames them would silently bring back their cost; this fails instead."""
    import inspect

    from dagster_dbt import DbtCliResource

    from orchestration.defs.resources import WarehouseDbt

    for name in ("_cli_version", "_initialize_dbt_core_adapter"):
        assert name in vars(DbtCliResource), f"dagster-dbt no longer has {name}"
        assert name in vars(WarehouseDbt)
    assert list(inspect.signature(DbtCliResource._initialize_dbt_core_adapter).parameters) == ["self", "args"]
