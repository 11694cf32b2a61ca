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
        "[   0.5s] refresh   3 council-month(s) in 1 run(s)",
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
