"""The marts' row-level rules are enforced contract constraints, checked by DuckDB as each mart is
built (grain as PRIMARY KEY, NOT NULL, CHECK for value lists, ranges and row identities) rather
than one dbt test query each afterwards. A mart that breaks one fails to build: the old table
stays as it was, the build's results name the mart and the rule, and the gate blocks the month.
Rules that need other rows or other tables (relationships, shares summing to 100, var-based value
lists, warn-only rules) stay dbt data tests.
"""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from dbt_helpers import HANDWRITTEN_LANDING, load_landing, run_dbt
from orchestration.dbt_results import results_for_parts
from orchestration.partitions_key import Part


def _contracted_marts(manifest: dict) -> dict[str, dict]:
    return {
        n["name"]: n for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"].get("contract", {}).get("enforced")
    }


def test_every_contracted_mart_declares_a_key_and_not_nulls(dbt_manifest: Path) -> None:
    marts = _contracted_marts(json.loads(dbt_manifest.read_text()))
    assert len(marts) >= 13
    for name, node in marts.items():
        keys = [c for c in node["constraints"] if c["type"] in ("primary_key", "unique")]
        keys += [
            {"columns": [col]} for col, spec in node["columns"].items()
            if any(c["type"] in ("primary_key", "unique") for c in spec["constraints"])
        ]
        assert keys, f"{name}: no primary key or unique constraint"
        not_null = [col for col, spec in node["columns"].items()
                    if any(c["type"] == "not_null" for c in spec["constraints"])]
        assert not_null, f"{name}: no NOT NULL constraint"


def test_the_grain_is_enforced_in_the_warehouse_tables(built: Path) -> None:
    con = duckdb.connect(str(built), read_only=True)
    try:
        rows = dict(con.execute(
            "select table_name, constraint_text from duckdb_constraints() "
            "where schema_name = 'marts' and constraint_type = 'PRIMARY KEY'"
        ).fetchall())
    finally:
        con.close()
    assert rows["care_ladder_monthly"] == 'PRIMARY KEY(council_code, "month", care_ladder_rung, age_band)'
    assert rows["provider_concentration_monthly"] == 'PRIMARY KEY(council_code, "month", care_ladder_rung)'
    assert rows["kpi_monthly"] == 'PRIMARY KEY(council_code, "month", kpi_code, age_band)'


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The handwritten landing loaded and care_ladder_monthly built with everything upstream."""
    tmp = tmp_path_factory.mktemp("constraints")
    db = tmp / "warehouse.duckdb"
    load_landing(db, HANDWRITTEN_LANDING, pseudo_key="constraints-test-key")
    run = run_dbt(["build", "--select", "+care_ladder_monthly", "+provider_concentration_monthly",
                   "+kpi_monthly", "--indirect-selection", "cautious", "--exclude", "resource_type:unit_test"], tmp, db)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    return db


def _mart_rows(db: Path, mart: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"select * from marts.{mart} order by all").fetchall()
    finally:
        con.close()


def test_a_mart_breaking_a_rule_is_not_built_and_the_gate_is_told_why(
    built: Path, tmp_path: Path
) -> None:
    before = _mart_rows(built, "care_ladder_monthly")
    con = duckdb.connect(str(built))
    try:  # an upstream fault the mart's CHECK must catch: negative planned hours
        con.execute("update intermediate.int_service_line_months "
                    "set planned_units_per_week = -1 where rate_unit = 'Hour'")
    finally:
        con.close()

    run = run_dbt(["build", "--select", "care_ladder_monthly", "--indirect-selection", "cautious",
                   "--exclude", "resource_type:unit_test"],
                  tmp_path, built)

    assert run.returncode != 0
    assert "CHECK constraint failed" in run.stdout
    assert _mart_rows(built, "care_ladder_monthly") == before  # the last good mart is untouched
    con = duckdb.connect(str(built), read_only=True)
    try:  # ... with its constraints, and no half-built table beside it (one transaction: DROP + CREATE)
        leftovers = con.execute(
            "select table_name from information_schema.tables where contains(table_name, '__dbt_')").fetchall()
        key = con.execute("select count(*) from duckdb_constraints() where table_name = 'care_ladder_monthly' "
                          "and constraint_type = 'PRIMARY KEY'").fetchone()
    finally:
        con.close()
    assert leftovers == [] and key == (1,)
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    with duckdb.connect(str(built), read_only=True) as con:
        checks = results_for_parts(con, results, manifest, tmp_path / "target",
                                   [Part("E06000023", "2025-04"), Part("E06000022", "2025-04")])
    failing = [c for c in checks if not c.passed]
    # a mart that did not build cannot be pinned on a council: it blocks every council of the run
    assert [(c.name, c.council) for c in failing] == [("dbt:care_ladder_monthly", "E06000023"),
                                                      ("dbt:care_ladder_monthly", "E06000022")]
    assert failing[0].severity == "ERROR"
    assert "weekly_hours >= 0" in failing[0].message and "blocks every council of the run" in failing[0].message
