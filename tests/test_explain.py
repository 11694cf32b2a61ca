"""`ascw explain` (orchestration/explain.py, orchestration/figure_rows.py) on the hand-written
landing directory, whose every source row is known: the `file:line` rows it lists for a mart row
are exactly those the figure is made of (their sums and counts give the mart's values, and each
names the raw row it came from), and a hand-traced row lists the lines worked out by hand."""
from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from dbt_helpers import HANDWRITTEN_LANDING as LANDING
from dbt_helpers import load_landing, run_dbt
from orchestration.cli import main
from orchestration.explain import contributing_rows, mart_rows, upstream

TRACED = ("care_ladder_monthly", "provider_concentration_monthly", "kpi_monthly")
MONTHS = ("2025-03", "2025-04")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("explain")
    db = tmp / "warehouse.duckdb"
    load_landing(db, LANDING, pseudo_key="explain-test-key")
    run = run_dbt(["build", "--select", *(f"+{m}" for m in TRACED),
                   "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"], tmp, db)
    assert run.returncode == 0, run.stdout[-6000:]
    return db, tmp / "target" / "manifest.json"


@pytest.fixture(scope="module")
def con(built: tuple[Path, Path]) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(built[0]), read_only=True)
    yield c
    c.close()


def _money(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _all_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[dict]:
    return [r for m in MONTHS for r in mart_rows(con, table, m, [])]


def _raw_row_exists(con: duckdb.DuckDBPyConnection, r: dict) -> bool:
    """The listed file:line is a raw row of the file type its file name says."""
    table = r["file"].rsplit("_", 1)[0] if not r["file"].startswith("ascs_responses") else "ascs_responses"
    return con.execute(f'select count(*) from raw."{table}" where _file = ? and _line = ?',
                       [r["file"], r["line"]]).fetchone()[0] == 1


def test_a_hand_traced_care_ladder_row(con: duckdb.DuckDBPyConnection) -> None:
    """Home Care, March 2025, all ages: SA6/1 (ended 31 March, so only in March's file, line 7),
    SA3/1 and SA7/1 (restated by April's file, lines 4 and 7). Spend 300 x 31 + 200 x 31 + 126 x 17
    (from 15 March) = 17,642 / 7 = 2,520.29; three people active on 31 March."""
    [row] = mart_rows(con, "care_ladder_monthly", "2025-03", [("care_ladder_rung", "Home Care"), ("age_band", "All")])
    lines = contributing_rows(con, "care_ladder_monthly", row)
    assert [f"{r['file']}:{r['line']}" for r in lines] == [
        "controcc_service_lines_2025-03.csv:7", "controcc_service_lines_2025-04.csv:4",
        "controcc_service_lines_2025-04.csv:7"]
    assert row["spend"] == Decimal("2520.29") == _money(sum(r["cost_days"] for r in lines) / 7)
    assert row["service_users"] == 3 == len({r["person"] for r in lines if r["active_at_snapshot"]})


def test_care_ladder_rows_are_exactly_the_lines_of_each_figure(con: duckdb.DuckDBPyConnection) -> None:
    checked = 0
    for row in _all_rows(con, "care_ladder_monthly"):
        lines = contributing_rows(con, "care_ladder_monthly", row)
        spend_lines = [r for r in lines if r["cost_days"] is not None]
        assert _money(sum((r["cost_days"] for r in spend_lines), Decimal(0)) / 7) == row["spend"], row
        active = [r for r in spend_lines if r["active_at_snapshot"]]
        assert len(active) == row["active_lines"], row
        assert sum((r["weekly_cost"] for r in active), Decimal(0)) == row["weekly_cost"], row
        people = {r["person"] for r in active} | {r["person"] for r in lines if r["cost_days"] is None}
        assert len(people) == row["service_users"], row
        assert all(_raw_row_exists(con, r) for r in lines)
        checked += bool(lines)
    assert checked >= 10


def test_provider_concentration_rows_are_exactly_the_market_s_lines(con: duckdb.DuckDBPyConnection) -> None:
    checked = 0
    for row in _all_rows(con, "provider_concentration_monthly"):
        lines = contributing_rows(con, "provider_concentration_monthly", row)
        spending = [r for r in lines if "supplier spend" in r["role"]]
        assert _money(sum((r["cost_days"] for r in spending), Decimal(0)) / 7) == row["spend"], row
        assert len({r["supplier_id"] for r in spending}) == row["providers"], row
        assert sum("out-of-area placement" in r["role"] for r in lines) == row["out_of_area_placements"], row
        assert all(_raw_row_exists(con, r) for r in lines)
        checked += bool(lines)
    assert checked >= 5


def test_kpi_rows_are_exactly_the_records_of_each_figure(con: duckdb.DuckDBPyConnection) -> None:
    seen = set()
    for row in _all_rows(con, "kpi_monthly"):
        lines = contributing_rows(con, "kpi_monthly", row)
        assert all(_raw_row_exists(con, r) for r in lines)
        code = row["kpi_code"]
        num = [r for r in lines if "numerator" in r["role"]]
        den = [r for r in lines if "denominator" in r["role"]]
        if code == "LTC_USERS":
            assert len({r["person"] for r in lines}) == row["value"], row
        elif code in ("LTC_AT_HOME", "CONTACT_TO_TIER3"):
            assert len({r["person"] for r in num}) == (row["numerator"] or 0), row
            assert len({r["person"] for r in den}) == (row["denominator"] or 0), row
        elif code == "AVG_WEEKLY_COST":
            assert sum((Decimal(r["detail"]) for r in num), Decimal(0)) == Decimal(str(row["numerator"] or 0)), row
            assert len({r["person"] for r in den}) == (row["denominator"] or 0), row
        elif code == "CQC_GOOD_OR_BETTER":
            ratings = [r for r in lines if r["role"].startswith("rating")]
            assert len({r["cqc_location_id"] for r in lines if r["role"] == "location used"}) == len(ratings)
            assert len(ratings) == (row["denominator"] or 0), row
            assert len([r for r in ratings if "numerator" in r["role"]]) == (row["numerator"] or 0), row
        else:  # survey KPIs: weighted responses of the year in force that answered the question
            assert sum(r["weight"] for r in num) == pytest.approx(row["numerator"] or 0), row
            assert sum(r["weight"] for r in den) == pytest.approx(row["denominator"] or 0), row
        seen.add(code) if lines else None
    assert {"LTC_USERS", "LTC_AT_HOME", "AVG_WEEKLY_COST", "CQC_GOOD_OR_BETTER", "FEEL_SAFE"} <= seen


def test_the_command_prints_models_files_and_rows(built: tuple[Path, Path], capsys: pytest.CaptureFixture) -> None:
    db, manifest = built
    assert main(["explain", "--warehouse", str(db), "--dbt-manifest", str(manifest), "--month", "2025-03",
                 "--table", "care_ladder_monthly", "--where", "care_ladder_rung=Home Care",
                 "--where", "age_band=All"]) == 0
    out = capsys.readouterr().out
    assert "marts.care_ladder_monthly, 2025-03, care_ladder_rung=Home Care, age_band=All: 1 row(s)" in out
    for node in ("model intermediate.int_service_line_months", "source raw.controcc_service_lines",
                 "seed reference.care_ladder_rungs", "model staging.stg_controcc__service_lines"):
        assert f"  {node}\n" in out
    sha = __import__("hashlib").sha256((LANDING / "2025-03" / "las_cld_2025-03.csv").read_bytes()).hexdigest()
    assert f"  las_cld_2025-03.csv  sha256 {sha}  rows loaded 13, rejected 0  (loaded)" in out
    assert "  controcc_service_lines_2025-03.csv:7  [spend, active line]  service_line_id=SA6/1" in out
    assert "P0007" not in out  # people appear as keyed hashes only
    models = upstream(json.loads(manifest.read_text()), "kpi_monthly")
    assert models[0] == "model marts.kpi_monthly" and "model intermediate.int_contact_to_tier3" in models


def test_usage_errors_exit_2(built: tuple[Path, Path], capsys: pytest.CaptureFixture) -> None:
    db, manifest = built
    base = ["explain", "--warehouse", str(db), "--dbt-manifest", str(manifest), "--month", "2025-03"]
    assert main([*base, "--table", "care_ladder_monthly", "--where", "no_such_column=1"]) == 2
    assert main([*base, "--table", "care_ladder_monthly", "--where", "rung"]) == 2
    assert main([*base, "--table", "no_such_mart"]) == 2
    assert "no column no_such_column" in capsys.readouterr().err
