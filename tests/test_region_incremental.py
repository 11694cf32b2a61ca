"""`ascw refresh-region` month after month: the region build is incremental and stays exact.

The region warehouse stays between runs (orchestration/shared_build.py) as the region build's
incremental state (dbt_project/macros/incremental_by_load.sql). Two generated councils are
refreshed for one month, then for the next: the second region build must read only the new
month's loads and each council must adopt tables equal to a full rebuild of its own warehouse.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dbt_helpers import run_dbt, table_differences
from orchestration.dbt_incremental import FULL_REFRESH, project_fingerprint, recorded_fingerprint
from orchestration.settings import DBT_PROJECT_DIR

MONTHS = ("2024-02", "2024-03")


def _refresh_region(root: Path, work: Path, month: str) -> subprocess.CompletedProcess[str]:
    bindir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k not in ("ASCW_COUNCIL", "ASCW_REGION", "ASCW_GX_VERDICTS")}
    return subprocess.run(
        [str(bindir / "ascw"), "refresh-region", "--month", month, "--landing-root", str(root),
         "--work", str(work), "--jobs", "2", "--build", "shared"],
        capture_output=True, text=True, env=dict(env, PATH=f"{bindir}:{env['PATH']}"), timeout=900,
    )


@pytest.fixture(scope="module")
def two_months(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two councils refreshed by `refresh-region` for the first month, then for the second (the
    second month's folders arriving after the first run): the work folder."""
    from sources.generator.cli import main as gen

    base = tmp_path_factory.mktemp("region_months")
    root, held, work = base / "land", base / "held", base / "work"
    gen(["--out", str(root), "--months", "2", "--end-month", MONTHS[-1], "--councils", "2", "--seed", "7", "-q"])
    councils = sorted(p.name for p in root.iterdir() if p.is_dir())
    for code in councils:
        (held / code).mkdir(parents=True)
        shutil.move(str(root / code / MONTHS[-1]), held / code / MONTHS[-1])
    first = _refresh_region(root, work, MONTHS[0])
    assert first.returncode == 0, first.stdout + first.stderr
    for code in councils:
        shutil.move(str(held / code / MONTHS[-1]), root / code / MONTHS[-1])
    second = _refresh_region(root, work, MONTHS[-1])
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stderr.count("region    clean") == 1, second.stderr
    return work


def test_the_next_month_s_region_build_reads_only_its_new_loads(two_months: Path) -> None:
    runs = sorted((two_months / "_region" / "dbt").glob("run-*"), key=lambda p: p.stat().st_mtime)
    assert len(runs) == 2  # the kept region warehouse was built twice
    compiled = next((runs[-1] / "compiled").rglob("stg_controcc__service_lines.sql")).read_text()
    assert "new_loads" in compiled and "_council" in compiled
    with duckdb.connect(str(two_months / "_region" / "ascw.duckdb"), read_only=True) as con:
        assert recorded_fingerprint(con) == project_fingerprint(DBT_PROJECT_DIR)


def test_each_council_adopts_what_a_full_rebuild_of_its_own_warehouse_gives(two_months: Path,
                                                                            tmp_path: Path) -> None:
    councils = sorted(p.name for p in two_months.iterdir() if p.name.startswith("E"))
    assert len(councils) == 2
    for code in councils:
        adopted = two_months / code / "warehouse" / "ascw.duckdb"
        assert "rows of the region's dbt build" in (two_months / code / "refresh.log").read_text()
        assert sorted(p.name for p in (two_months / code / "exports").iterdir()) == list(MONTHS)
        full = tmp_path / f"{code}.duckdb"
        shutil.copy(adopted, full)
        done = run_dbt(["run", FULL_REFRESH], tmp_path / code, full, env={"ASCW_COUNCIL": code})
        assert done.returncode == 0, done.stdout[-3000:]
        assert table_differences(adopted, full) == {}, code
