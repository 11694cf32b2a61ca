"""Every dbt unit test (pro-rating, latest-event de-duplication, the 90-day rule, HHI and top-5,
the 365-day rule, financial-year boundaries, ...) runs here. Production refreshes exclude them
(`dbt build --exclude resource_type:unit_test`): they test logic, not the month's data."""
import json
import os
import subprocess
from pathlib import Path

from dbt_helpers import DBT_PROJECT, load_landing, run_dbt
from dbt_helpers import HANDWRITTEN_LANDING as LANDING
from orchestration.dbt_manifest import dbt_executable


def test_every_dbt_unit_test_passes(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    load_landing(db, LANDING, pseudo_key="unit")
    # Unit tests need their parents to exist (for column types): one build of every model, empty
    # (`--empty`), with each model's unit tests run before it, and no data tests.
    run = run_dbt(["build", "--empty", "--exclude-resource-type", "test"], tmp_path, db)
    assert run.returncode == 0, run.stdout[-6000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert len(manifest["unit_tests"]) >= 15
    assert {r["unique_id"] for r in results if r["status"] == "pass"} == set(manifest["unit_tests"])


def test_dbt_run_directly_sends_nothing_about_the_run(tmp_path: Path) -> None:
    """Analysts and `ascw docs` run dbt without Dagster (which turns tracking off itself): the
    project's own flag keeps dbt from sending anonymous usage events about the warehouse. `dbt
    debug` reads the project and sends its invocation events like any command (two "Sending event"
    lines with DBT_SEND_ANONYMOUS_USAGE_STATS=true), without parsing the models (~15 s)."""
    env = {k: v for k, v in os.environ.items() if k != "DBT_SEND_ANONYMOUS_USAGE_STATS"}
    run = subprocess.run(
        [dbt_executable(), "debug", "--profiles-dir", ".", "--log-path", str(tmp_path / "logs")],
        cwd=DBT_PROJECT, env={**env, "ASCW_WAREHOUSE": str(tmp_path / "wh.duckdb")},
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:]
    log = (tmp_path / "logs" / "dbt.log").read_text(encoding="utf-8")
    assert "Running with dbt" in log
    assert "Sending event" not in log
