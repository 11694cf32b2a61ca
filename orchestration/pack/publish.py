"""publish_month: build the month's pack from `marts` and publish it atomically to exports/YYYY-MM/."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from orchestration.months import parse_month
from orchestration.pack import atomic, report_mps, report_trends, revisions
from orchestration.pack.atomic import AlreadyPublished, staged_folder
from orchestration.pack.benchmark import benchmark_table
from orchestration.pack.csv_writer import table_csv
from orchestration.pack.kpi_definitions import definitions_table
from orchestration.pack.kpis import kpi_month, kpi_series
from orchestration.pack.manifest import manifest_bytes
from orchestration.pack.report import report_html
from orchestration.pack.suppression import SuppressionLog
from orchestration.pack.tables import (
    KNOWN_AREAS, MPS_TABLES, BuiltIn, PackContext, PublishedTable, mart_columns, marts_read_once,
)
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
    # Revisions policy (revisions.py): the pack's version (1 = first publication), the figures
    # revised since first published, the blocked months left out, and why a re-issue was made.
    version: int = 1
    revisions: list[dict[str, Any]] = field(default_factory=list)
    left_out: list[dict[str, Any]] = field(default_factory=list)
    reissue: dict[str, Any] | None = None
    # The report's own reading of the warehouse (report_trends.py, report_mps.py): the care ladder's
    # months up to this one (suppressed as each month's Table 1), and the month's failed WARN checks
    # (None: the warehouse holds no check results).
    trend: report_trends.LadderTrend | None = None
    warnings: list[dict[str, Any]] | None = None
    # The KPI pack's Definitions sheet (kpi_definitions.py): definition, source, direction, targets.
    kpi_definitions: PublishedTable | None = None


def pack_month(month: str) -> dt.date:
    """The pack's period: a `YYYY-MM` label only (a PackError otherwise)."""
    if not MONTH_RE.match(month):
        raise PackError(f"month must be YYYY-MM, got {month!r}")
    return parse_month(month)


def build_pack(con: duckdb.DuckDBPyConnection, ctx: PackContext, *, version: int = 1) -> Pack:
    """Read and suppress every published table (read-only queries against `marts`), then apply the
    revisions policy (revisions.py; read-only queries against `audit` and `raw._load_log`): rows of a
    blocked, never-published month become `[x]` (before the benchmark, which hides what they hide),
    and figures that differ from those first published are marked `[r]`."""
    with marts_read_once(con):
        return _build_pack(con, ctx, version)


def _build_pack(con: duckdb.DuckDBPyConnection, ctx: PackContext, version: int) -> Pack:
    missing = [m for m in REQUIRED_MARTS if mart_columns(con, m) is None]
    if missing:
        raise PackError(f"marts missing from the warehouse: {', '.join(missing)}")
    mps, unavailable = [], []
    for mart, builder in MPS_TABLES:
        if mart_columns(con, mart) is None:
            unavailable.append(mart)
            continue
        mps.append(builder(con, ctx, mps) if isinstance(builder, BuiltIn) else builder(con, ctx))
    month_kpis = kpi_month(con, ctx)
    series = kpi_series(con, ctx)
    left_out = revisions.mark_not_published(con, ctx, [month_kpis, series, *mps])
    benchmark, benchmark_note = benchmark_table(con, ctx, published=[month_kpis, *mps])
    found = revisions.mark_revisions(con, ctx, [month_kpis, series, *mps], version=version)
    if benchmark is not None:
        mps.append(benchmark)
    return Pack(ctx, KNOWN_AREAS.get(ctx.council, ctx.council), month_kpis, series, mps,
                unavailable, benchmark_note, version=version, revisions=found, left_out=left_out,
                trend=report_trends.ladder_trend(con, ctx), warnings=report_mps.month_warnings(con, ctx),
                kpi_definitions=definitions_table(con, ctx))


def render_files(pack: Pack) -> dict[str, bytes]:
    """Every published file but the manifest, name -> bytes."""
    ctx = pack.ctx
    unavailable = [f"Not available in this warehouse (not published): {', '.join(pack.unavailable)}."] \
        if pack.unavailable else []
    policy = revision_notes(pack)
    files: dict[str, bytes] = {
        "kpi_pack.xlsx": workbook_bytes(
            f"Adult Social Care KPI pack, {ctx.period_label}",
            [pack.kpi_month, pack.kpi_series, *([pack.kpi_definitions] if pack.kpi_definitions else [])], ctx,
            council_name=pack.council_name,
            notes=["Sheet KPIs: the month, with targets and RAG. Sheet Trend: every month up to this one. "
                   "Sheet Definitions: what each KPI counts, its source, direction and targets.", *policy]),
        "kpi_monthly.csv": table_csv(pack.kpi_series),
        "mps_tables.xlsx": workbook_bytes(
            f"Market Position Statement tables, {ctx.period_label}", pack.mps, ctx,
            council_name=pack.council_name,
            notes=[*unavailable, *([pack.benchmark_note] if pack.benchmark_note else []), *policy]),
    }
    for table in pack.mps:
        files[table.filename] = table_csv(table)
    files["report.html"] = report_html(pack).encode("utf-8")
    return files


def revision_notes(pack: Pack) -> list[str]:
    """The Contents sheets' lines on the revisions policy: a re-issue, revised figures, months left out."""
    notes = []
    if pack.reissue:
        notes.append(f"Version {pack.version}, re-issued: {pack.reissue.get('reason')} "
                     f"(replaces {pack.reissue.get('replaces')}, which stays published).")
    if pack.revisions:
        notes.append(f"{len(pack.revisions)} figure(s) revised since first published, marked [r] in the Revised column "
                     "(the figures first published and why: manifest.json, report.html).")
    if pack.left_out:
        notes.append("[x] = not published: " + ", ".join(e["month"] for e in pack.left_out)
                     + " blocked from publication and never published; left out of every table.")
    return notes


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
                  manifest_extra: Mapping[str, Any], published_at: dt.datetime | None = None, version: int = 1,
                  reissue: Mapping[str, Any] | None = None, record_figures: bool | None = None) -> Path:
    """Publish `exports_dir/month/` in one step; raise `AlreadyPublished` if it exists (never overwritten).

    `version` > 1 publishes a re-issue beside the earlier versions, in `exports_dir/month-vN/`, with
    `reissue` (`reason`, `replaces`) in its manifest. `record_figures`: record what is published in
    `audit.published_figures` and `audit.pack_versions` (revisions.py), in a transaction committed
    once the folder is in place; None (default) = when `con` can write.

    On any error nothing is left behind: no month folder, no temporary folder, no recorded figure."""
    ctx = PackContext(pack_month(month), council)
    try:
        target = Path(exports_dir) / revisions.version_folder(month, version)
    except ValueError as exc:
        raise PackError(str(exc)) from exc
    if target.exists():
        raise AlreadyPublished(f"{target} already exists; a published pack is never overwritten")
    pack = build_pack(con, ctx, version=version)
    if version > 1:
        pack.reissue = {"version": version, "reason": (reissue or {}).get("reason") or "not given",
                        "replaces": (reissue or {}).get("replaces")}
    files = render_files(pack)
    stamp = published_at or dt.datetime.now(dt.timezone.utc)
    manifest = manifest_bytes(
        period=month, council=council, published_at=stamp,
        manifest_extra=manifest_extra, files=files, suppression=suppression_entries(pack),
        tables=table_entries(pack), version=version, revisions=pack.revisions, months_left_out=pack.left_out,
        reissue=pack.reissue)
    if record_figures is None:
        record_figures = not revisions.is_read_only(con)
    if not record_figures:
        _write(target, files, manifest)
        return target
    con.execute(revisions.DDL)
    con.execute("begin transaction")
    try:
        revisions.record(con, ctx, [pack.kpi_series, *pack.mps], version=version, published_at=stamp, path=target,
                         reason=(pack.reissue or {}).get("reason"), replaces=(pack.reissue or {}).get("replaces"))
        _write(target, files, manifest)
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
    return target


def _write(target: Path, files: Mapping[str, bytes], manifest: bytes) -> None:
    with staged_folder(target) as tmp:
        for name, data in files.items():
            atomic.write_bytes_durable(tmp / name, data)
        atomic.write_bytes_durable(tmp / "manifest.json", manifest)


def republish_month(con: duckdb.DuckDBPyConnection, month: str, exports_dir: Path, *, council: str, reason: str,
                    manifest_extra: Mapping[str, Any], published_at: dt.datetime | None = None) -> Path:
    """Re-issue a published month's pack as a new version beside the earlier ones: `exports_dir/
    month-vN/` (N = the next version), `reissue` (version, reason, replaces) in its manifest; the
    earlier versions are never touched. Raises `PackError` when `exports_dir/month/` (the first
    publication) is not there or no reason is given. Gating is the caller's job, as for
    `publish_month` (`ascw republish` re-checks the month's gate first)."""
    pack_month(month)
    if not reason or not reason.strip():
        raise PackError("a re-issue needs a reason (it is published in its manifest)")
    folders = revisions.versions_in(Path(exports_dir), month)
    if 1 not in folders:
        raise PackError(f"{Path(exports_dir) / month} is not published: there is nothing to re-issue")
    recorded = []
    if not revisions.is_read_only(con):
        con.execute(revisions.DDL)
        recorded = [v for (v,) in con.execute(
            "select version from audit.pack_versions where council_code = ? and month = ?", [council, month]).fetchall()]
    version = max([*folders, *recorded]) + 1
    return publish_month(con, month, exports_dir, council=council, manifest_extra=manifest_extra,
                         published_at=published_at, version=version,
                         reissue={"reason": reason.strip(), "replaces": revisions.version_folder(month, max(folders))})
