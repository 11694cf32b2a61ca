"""Which council a warehouse is built for: the configured code, else the one its extracts name
(dbt's `<council>`, the reconciliation and the pack all use it), else the demo council."""
from pathlib import Path

import duckdb

from orchestration.defs.resources import WarehouseResource


def _resource(tmp_path: Path, council: str = "") -> WarehouseResource:
    return WarehouseResource(landing=str(tmp_path), warehouse=str(tmp_path / "w.duckdb"),
                             exports=str(tmp_path / "x"), council=council)


def test_the_extracts_council_when_none_is_configured(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute('create schema raw; create table raw.las_cld ("LA Code" varchar)')
    con.execute("insert into raw.las_cld values (' e06000022 '), ('E06000022'), ('E06000023')")
    assert _resource(tmp_path).council_code(con) == "E06000022"
    assert _resource(tmp_path, "E08000001").council_code(con) == "E08000001"
    con.execute("delete from raw.las_cld")
    assert _resource(tmp_path).council_code(con) == "E06000023"  # nothing loaded: the demo council


def test_dbt_is_pointed_at_the_council(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os

    monkeypatch.setenv("ASCW_COUNCIL", "E06000023")  # restored after the test
    monkeypatch.setenv("ASCW_WAREHOUSE", "elsewhere.duckdb")
    _resource(tmp_path).dbt_env("E06000022")

    assert os.environ["ASCW_COUNCIL"] == "E06000022"
    assert os.environ["ASCW_WAREHOUSE"] == str(tmp_path / "w.duckdb")
