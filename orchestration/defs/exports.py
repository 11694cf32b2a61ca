"""Export assets: the published pack per month, plus unpublished by-products for analysts.

`published_pack` re-derives each month's decision from `audit.check_results` (never from the run
status), publishes the months whose blocking checks all passed (atomically; a published month is
never rewritten), writes the month's data-quality report beside the warehouse, and fails the run
when any month of it was blocked, naming why.
"""
import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from orchestration.decisions import decide_month, record_decision, record_publication
from orchestration.defs.checks import GATE_KEY
from orchestration.defs.partitions import monthly_partitions, months_of, single_run
from orchestration.defs.resources import WarehouseResource
from orchestration.gates import render_report_html, summary_for_manifest
from orchestration.gates.results import load_results
from orchestration.pack import AlreadyPublished, publish_month
from orchestration.pack.atomic import remove_stale_temp_dirs
from orchestration.pack.manifest import source_files
from orchestration.progress import progress

PACK_KEY = dg.AssetKey(["exports", "published_pack"])
PARQUET_KEY = dg.AssetKey(["exports", "marts_parquet"])


@dg.asset(
    key=PACK_KEY,
    deps=[GATE_KEY],
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    group_name="exports",
    kinds={"xlsx", "csv", "html"},
    description="exports/YYYY-MM/: kpi_pack.xlsx, mps_tables.xlsx, CSVs, report.html, manifest.json.",
)
def published_pack(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    blocked: dict[str, list[str]] = {}
    published: list[str] = []
    dq_dir = warehouse.side_dir / "dq_reports"
    dq_dir.mkdir(parents=True, exist_ok=True)
    warehouse.exports_path.mkdir(parents=True, exist_ok=True)
    for stale in remove_stale_temp_dirs(warehouse.exports_path):
        progress("publish", f"removed {stale.name}, left by an interrupted refresh")
    with warehouse.connect() as con:
        council = warehouse.council_code(con)
        for month in months_of(context):
            results = load_results(con, month)
            (dq_dir / f"{month}.html").write_text(render_report_html(results, month), encoding="utf-8")
            decision = decide_month(con, month)  # re-derived: never trust the run status
            record_decision(con, decision)
            if decision.blocked:
                blocked[month] = decision.reasons
                progress("publish", f"{month}: BLOCKED ({len(decision.reasons)} failing checks)")
                continue
            extra = {
                "source_files": source_files(con, month),
                "checks": summary_for_manifest(results),
                "data_quality_report": str(dq_dir / f"{month}.html"),
            }
            try:
                path = publish_month(con, month, warehouse.exports_path, council=council, manifest_extra=extra)
                record_publication(con, month, "published", str(path))
                published.append(month)
                progress("publish", f"{month}: published -> {path}")
            except AlreadyPublished as exc:
                record_publication(con, month, "already published", str(warehouse.exports_path / month))
                progress("publish", f"{month}: already published, left unchanged ({exc})")
    if blocked:
        raise dg.Failure(
            description="Blocked: "
            + "; ".join(f"{m}: {r[0]}" + (f" (+{len(r) - 1} more)" if len(r) > 1 else "") for m, r in blocked.items()),
            metadata={"published": json.dumps(published), "blocked": json.dumps(blocked)},
        )
    return dg.MaterializeResult(metadata={"published": json.dumps(published)})


@dg.asset(
    key=PARQUET_KEY,
    deps=[GATE_KEY],
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    group_name="exports",
    kinds={"parquet"},
    description="Parquet copies of every mart beside the warehouse (`<warehouse dir>/marts_parquet/`), "
    "for analysts who would rather not open the DuckDB file while a refresh runs.",
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
