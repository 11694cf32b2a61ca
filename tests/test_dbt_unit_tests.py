"""Every dbt unit test (pro-rating, latest-event de-duplication, the 90-day rule, HHI and top-5,
the 365-day rule, financial-year boundaries, ...) runs here. Production refreshes exclude them
(`dbt build --exclude resource_type:unit_test`): they test logic, not the month's data."""
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sources import loader

ROOT = Path(__file__).resolve().parent.parent
LANDING = ROOT / "tests" / "fixtures" / "handwritten_landing"


def _dbt(args: list[str], tmp: Path, db: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "dbt"
    return subprocess.run(
        [str(exe) if exe.exists() else "dbt", *args, "--profiles-dir", ".",
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")],
        cwd=ROOT / "dbt_project", env={**os.environ, "ASCW_WAREHOUSE": str(db)},
        capture_output=True, text=True, timeout=600,
    )


def test_every_dbt_unit_test_passes(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(db))
    loader.load_reference(con, LANDING, pseudo_key="unit")
    for month in loader.discover_months(LANDING):
        loader.load_month(con, LANDING, month, pseudo_key="unit")
    con.close()
    # Unit tests need their parents to exist (for column types): build them empty.
    built = _dbt(["build", "--empty", "--exclude", "resource_type:test", "resource_type:unit_test"], tmp_path, db)
    assert built.returncode == 0, built.stdout[-4000:]
    run = _dbt(["test", "--select", "resource_type:unit_test"], tmp_path, db)
    assert run.returncode == 0, run.stdout[-6000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert len(manifest["unit_tests"]) >= 15
    assert {r["unique_id"] for r in results if r["status"] == "pass"} == set(manifest["unit_tests"])
