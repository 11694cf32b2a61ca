"""publish_month: build the month's pack from `marts` and publish it atomically to exports/YYYY-MM/."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from orchestration.months import parse_month
from orchestration.pack import atomic
from orchestration.pack.atomic import AlreadyPublished, staged_folder
from orchestration.pack.benchmark import benchmark_table
from orchestration.pack.csv_writer import table_csv
from orchestration.pack.kpis import kpi_month, kpi_series
from orchestration.pack.manifest import manifest_bytes
from orchestration.pack.report import report_html
from orchestration.pack.suppression import SuppressionLog
from orchestration.pack.tables import KNOWN_AREAS, MPS_TABLES, PackContext, PublishedTable, mart_columns
from orchestration.pack.xlsx_writer import workbook_bytes

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
REQUIRED_MARTS = ("care_ladder_monthly", "provider_concentration_monthly", "kpi_monthly")


class PackError(Exception):
    """The pack cannot be built from this warehouse (bad month, missing required mart)."""


@dataclass
class Pack:
    ctx: PackContext
    council_name: str
    kpi_month: PublishedTable
    kpi_series: PublishedTable
    mps: list[PublishedTable]
    unavailable: list[str]
    # Why benchmark.csv and the Benchmark sheet are not published this month ("" when they are:
    # then the Benchmark table is the last of `mps`).
    benchmark_note: str = ""


def pack_month(month: str) -> dt.date:
    """The pack's period: a `YYYY-MM` label only (a PackError otherwise)."""
    if not MONTH_RE.match(month):
        raise PackError(f"month must be YYYY-MM, got {month!r}")
    return parse_month(month)


def build_pack(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> Pack:
    """Read and suppress every published table (read-only queries against `marts`)."""
    missing = [m for m in REQUIRED_MARTS if mart_columns(con, m) is None]
    if missing:
        raise PackError(f"marts missing from the warehouse: {', '.join(missing)}")
    mps, unavailable = [], []
    for mart, builder in MPS_TABLES:
        if mart_columns(con, mart) is None:
            unavailable.append(mart)
            continue
        mps.append(builder(con, ctx))
    month_kpis = kpi_month(con, ctx)
    benchmark, benchmark_note = benchmark_table(con, ctx, published=[month_kpis, *mps])
    if benchmark is not None:
        mps.append(benchmark)
    return Pack(ctx, KNOWN_AREAS.get(ctx.council, ctx.council), month_kpis, kpi_series(con, ctx), mps,
                unavailable, benchmark_note)


def render_files(pack: Pack) -> dict[str, bytes]:
    """Every published file but the manifest, name -> bytes."""
    ctx = pack.ctx
    unavailable = [f"Not available in this warehouse (not published): {', '.join(pack.unavailable)}."] \
        if pack.unavailable else []
    files: dict[str, bytes] = {
        "kpi_pack.xlsx": workbook_bytes(
            f"Adult Social Care KPI pack, {ctx.period_label}", [pack.kpi_month, pack.kpi_series], ctx,
            council_name=pack.council_name,
            notes=["Sheet KPIs: the month, with targets and RAG. Sheet Trend: every month up to this one."]),
        "kpi_monthly.csv": table_csv(pack.kpi_series),
        "mps_tables.xlsx": workbook_bytes(
            f"Market Position Statement tables, {ctx.period_label}", pack.mps, ctx,
            council_name=pack.council_name,
            notes=[*unavailable, *([pack.benchmark_note] if pack.benchmark_note else [])]),
    }
    for table in pack.mps:
        files[table.filename] = table_csv(table)
    files["report.html"] = report_html(pack).encode("utf-8")
    return files


def suppression_entries(pack: Pack) -> list[dict[str, Any]]:
    log = SuppressionLog()
    for table in (pack.kpi_series, *pack.mps):
        name = table.filename or table.id
        log.add(name, table.suppression)
    return log.entries


def table_entries(pack: Pack) -> list[dict[str, Any]]:
    return [{"id": t.id, "sheet": t.sheet, "file": t.filename, "rows": len(t.rows),
             "people_columns": list(t.people_columns), "secondary_groups": t.groups_doc}
            for t in (pack.kpi_series, *pack.mps)] + [
        {"id": m, "sheet": None, "file": None, "rows": 0, "people_columns": [], "secondary_groups": "not available"}
        for m in pack.unavailable] + ([
            {"id": "benchmark", "sheet": None, "file": None, "rows": 0, "people_columns": [],
             "secondary_groups": f"not published: {pack.benchmark_note}"}] if pack.benchmark_note else [])


def publish_month(con: duckdb.DuckDBPyConnection, month: str, exports_dir: Path, *, council: str,
                  manifest_extra: Mapping[str, Any], published_at: dt.datetime | None = None) -> Path:
    """Publish `exports_dir/month/` in one step; raise `AlreadyPublished` if it exists (never overwritten).

    On any error nothing is left behind: no month folder, no temporary folder."""
    ctx = PackContext(pack_month(month), council)
    target = Path(exports_dir) / month
    if target.exists():
        raise AlreadyPublished(f"{target} already exists; a published pack is never overwritten")
    pack = build_pack(con, ctx)
    files = render_files(pack)
    manifest = manifest_bytes(
        period=month, council=council, published_at=published_at or dt.datetime.now(dt.timezone.utc),
        manifest_extra=manifest_extra, files=files, suppression=suppression_entries(pack),
        tables=table_entries(pack))
    with staged_folder(target) as tmp:
        for name, data in files.items():
            atomic.write_bytes_durable(tmp / name, data)
        atomic.write_bytes_durable(tmp / "manifest.json", manifest)
    return target
