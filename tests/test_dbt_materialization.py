"""The project's own `table` materialization (dbt_project/macros/materialization_table.sql): the old
table dropped and the new one created in one transaction. It is what dbt uses for every table
model, and the project has none of what it does not handle (foreign keys, model indexes, Python
models, grants). The five staging models that read the long extracts are dbt's `incremental`
(dbt_project/macros/incremental_by_load.sql). That a failed build leaves the old table as it
was, and no temporary table, is tested in test_mart_constraints (a mart breaking a CHECK
constraint); every end-to-end refresh after the first rebuilds every table with it."""
from __future__ import annotations

import json
from pathlib import Path

from dbt_helpers import INCREMENTAL


def _models(manifest_path: Path) -> dict[str, dict]:
    manifest = json.loads(manifest_path.read_text())
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def test_the_projects_table_materialization_is_the_one_dbt_uses(dbt_manifest: Path) -> None:
    manifest = json.loads(dbt_manifest.read_text())
    ours = manifest["macros"].get("macro.ascw.materialization_table_duckdb")
    assert ours is not None and ours["original_file_path"] == "macros/materialization_table.sql"
    models = _models(dbt_manifest)
    assert len(models) >= 38
    # Every model but the incremental staging models (tests/test_incremental_models.py).
    assert {n["config"]["materialized"] for n in models.values()} == {"table", "incremental"}
    assert {name for name, n in models.items() if n["config"]["materialized"] == "incremental"} == set(INCREMENTAL)


def test_no_model_needs_what_the_materialization_leaves_out(dbt_manifest: Path) -> None:
    for name, node in _models(dbt_manifest).items():
        assert node["language"] == "sql", name
        assert not node["config"].get("indexes"), f"{name}: model indexes"
        assert not node["config"].get("grants"), f"{name}: grants"
        constraints = list(node.get("constraints", []))
        for column in node.get("columns", {}).values():
            constraints += column.get("constraints", [])
        assert "foreign_key" not in {c["type"] for c in constraints}, f"{name}: a foreign key"
