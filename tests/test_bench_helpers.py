"""The benchmark script's pure helpers (bench/benchmark.py prints figures; it is not a test)."""
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("benchmark", ROOT / "bench" / "benchmark.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["benchmark"] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_stage_times_charge_each_interval_to_the_line_that_ends_it(bench) -> None:  # type: ignore[no-untyped-def]
    stderr = "\n".join([
        "[   0.5s] refresh   2024-03..2024-03",
        "[   2.0s] load      reference files",
        "some other line",
        "[   3.5s] load      2024-03",
        "[   6.0s] validate  2024-03",
        "[  20.0s] dbt       282 dbt tests",
        "[  21.0s] publish   2024-03",
    ])
    assert dict(bench.stage_times(stderr, 25.0)) == pytest.approx(
        {"refresh": 0.5, "load": 3.0, "validate": 2.5, "dbt": 14.0, "publish": 1.0, "other": 4.0}
    )


def test_stage_times_of_a_region_council_add_up_its_two_stages(bench) -> None:  # type: ignore[no-untyped-def]
    log = "\n".join([  # refresh-region: the "sources" stage, then the "models" stage, each from 0
        "[   0.3s] refresh   2024-03..2024-03",
        "[   2.5s] load      reference files",
        "[   9.2s] validate  2024-03: 210 checks",
        "[   0.1s] refresh   2024-03..2024-03",
        "[   3.7s] dbt       E06000014: 287023 rows of the region's dbt build",
        "[   4.8s] gate      2024-03: ok to publish",
        "[   5.9s] publish   2024-03: published",
    ])
    assert dict(bench.stage_times(log, 15.5)) == pytest.approx(
        {"refresh": 0.4, "load": 2.2, "validate": 6.7, "dbt": 3.6, "gate": 1.1, "publish": 1.1, "other": 0.4})


def test_region_build_seconds_from_the_region_s_progress_lines(bench) -> None:  # type: ignore[no-untyped-def]
    stderr = "\n".join([
        "[   0.0s] region    50 council(s) from /land, 2 at a time",
        "[ 270.4s] region    one dbt build for 50 council(s) in /work/_region",
        "[ 422.9s] region    clean",
    ])
    assert bench.region_build_seconds(stderr) == pytest.approx(152.5)
    assert bench.region_build_seconds("[   0.0s] region    1 council(s)") == 0.0


def test_model_order_puts_parents_first(bench) -> None:  # type: ignore[no-untyped-def]
    def model(name: str, *parents: str) -> dict:
        return {"resource_type": "model", "name": name, "depends_on": {"nodes": [f"model.p.{p}" for p in parents]}}

    manifest = {"nodes": {
        "model.p.mart": model("mart", "int_b", "stg_a"),
        "model.p.int_b": model("int_b", "stg_a"),
        "model.p.stg_a": {**model("stg_a"), "depends_on": {"nodes": ["source.p.raw.a", "seed.p.codes"]}},
        "test.p.not_null": {"resource_type": "test", "name": "not_null", "depends_on": {"nodes": []}},
    }}
    assert [m["name"] for m in bench.model_order(manifest)] == ["stg_a", "int_b", "mart"]


def test_region_summary_reads_what_refresh_region_prints(bench) -> None:  # type: ignore[no-untyped-def]
    from orchestration.region import CouncilResult, summarise_region

    text = summarise_region([
        CouncilResult("E06000022", 0, 21.04, Path("/w/E06000022/refresh.log")),
        CouncilResult("E06000023", 1, 19.5, Path("/w/E06000023/refresh.log")),
        CouncilResult("E08000025", 137, 3.0, Path("/w/E08000025/refresh.log")),
    ], 40.0)
    assert bench.region_summary("[   0.0s] region    3 council(s)\n" + text) == [
        ("E06000022", "published", 21.0), ("E06000023", "blocked", 19.5), ("E08000025", "exit 137", 3.0)]
