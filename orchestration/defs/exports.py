"""Unpublished by-products for analysts: Parquet copies of every mart beside the warehouse.

The published packs are written by the publication gate (orchestration/defs/publication.py)."""
from pathlib import Path

import dagster as dg

from orchestration.defs.partitions import POOL
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.warehouse import warehouse_models

PARQUET_KEY = dg.AssetKey(["exports", "marts_parquet"])


@dg.asset(
    key=PARQUET_KEY,
    deps=[warehouse_models],
    group_name="exports",
    kinds={"parquet"},
    pool=POOL,
    description="Parquet copies of every mart, all councils (`<warehouse dir>/marts_parquet/`), for analysts "
    "who would rather not open the DuckDB file while a refresh runs. Person-level marts are left out.",
)
def marts_parquet(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    out = warehouse.side_dir / "marts_parquet"
    out.mkdir(parents=True, exist_ok=True)
    with warehouse.connect() as con:
        # Person-level marts (high_cost_placements: hashed person ids) stay inside the warehouse.
        marts = [r[0] for r in con.execute(
            "select table_name from information_schema.tables t where table_schema = 'marts' and not exists ("
            " select 1 from information_schema.columns c where c.table_schema = 'marts'"
            " and c.table_name = t.table_name and c.column_name = 'person_id') order by 1"
        ).fetchall()]
        for name in marts:
            tmp = out / f".{name}.parquet.tmp"
            con.execute(f"copy marts.\"{name}\" to '{tmp}' (format parquet)")
            tmp.replace(out / f"{name}.parquet")
    return dg.MaterializeResult(metadata={"marts": len(marts), "path": str(out)})


def exported_months(exports: Path) -> list[str]:
    return sorted(p.name for p in exports.iterdir() if p.is_dir() and not p.name.startswith("."))
