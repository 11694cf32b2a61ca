"""Each council-month's publication gate and, when it passes, its published pack.

One step per run, over every council-month of it: the cross-source reconciliation checks, the
decision from EVERY check recorded for the council-month in `audit.check_results` (source gates,
dbt tests, reconciliation: never the run status), the data-quality report and the internal
market-oversight page (orchestration/oversight.py); then, once every
council-month is decided, for each one not blocked, the pack published atomically to `<exports>/YYYY-MM/` (or
`<exports>/<council>/YYYY-MM/`; a published month is never rewritten).

The gate's three checks (`source_gates`, `dbt_tests`, `reconciliation`) are evaluated per
council-month and are blocking: an ERROR failure means that council-month's pack is not published
(its partition of `exports/published_pack` is not materialized), and Dagster fails the step once
every other council-month has been published, so the run reads as failed while the good
council-months are out. They are evaluated in the step that publishes: a blocking check in an
earlier step would stop the publication of every council of the run.
"""
from collections.abc import Iterable, Iterator
from pathlib import Path

import dagster as dg

from orchestration.decisions import decide_month, record_decision, record_publication
from orchestration.defs.partitions import POOL, council_months, parts_of, single_run
from orchestration.defs.resources import LandingResource, WarehouseResource
from orchestration.landing_layout import unexpected_entries
from orchestration.defs.sources import failures_md
from orchestration.defs.warehouse import warehouse_models
from orchestration.gates import load_gate_config, record_results, render_report_html, run_reconciliation_checks, summary_for_manifest
from orchestration.gates.results import CheckResult, load_results
from orchestration.pack import AlreadyPublished, publish_month
from orchestration.pack.atomic import remove_stale_temp_dirs, write_private
from orchestration.oversight import oversight_path, register_rows, render_oversight_html
from orchestration.pack.manifest import source_files
from orchestration.partitions_key import Part
from orchestration.progress import progress

GATE_KEY = dg.AssetKey(["audit", "publication_gate"])
PACK_KEY = dg.AssetKey(["exports", "published_pack"])
DQ_FOLDER = "dq_reports"
GATE_CHECKS = {
    "source_gates": "The council-month's source checks (file presence and row accounting, the GX suites, "
                    "uniqueness, drift; reported per file type on each raw table).",
    "dbt_tests": "The dbt tests of the build, for this council: a test's failing rows name the councils it "
                 "failed for; a failure that names no council (or a model that did not build) counts for "
                 "every council of the run.",
    "reconciliation": "Payments vs committed cost, funded long-term events, mapped element codes, CQC "
                      "locations present, care-ladder shares summing to 100.",
}


def stage_of(result: CheckResult, reconciliation: set[str]) -> str:
    if result.name.startswith("dbt:") or result.name == "gates.dbt.completed":
        return "dbt_tests"
    if result.name in reconciliation or result.name == "gates.reconciliation.completed":
        return "reconciliation"
    return "source_gates"


def gate_evaluations(part: Part, results: Iterable[CheckResult], reconciliation: set[str]) -> Iterator[dg.AssetCheckEvaluation]:
    """The council-month's three gate checks from its recorded results."""
    by_stage: dict[str, list[CheckResult]] = {name: [] for name in GATE_CHECKS}
    for r in results:
        by_stage[stage_of(r, reconciliation)].append(r)
    for name, rs in by_stage.items():
        failed = [r for r in rs if not r.passed and not r.skipped]
        errors = [r for r in failed if r.severity == "ERROR"]
        yield dg.AssetCheckEvaluation(
            asset_key=GATE_KEY, check_name=name, passed=not errors, partition=part.partition_key, blocking=True,
            severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
            metadata={"checks_run": len(rs), "failed": len(failed), "failures": dg.MetadataValue.md(failures_md(rs))},
        )


def dq_report_path(warehouse: WarehouseResource, part: Part) -> Path:
    return warehouse.side_dir / DQ_FOLDER / part.council / f"{part.month}.html"


@dg.multi_asset(
    specs=[
        dg.AssetSpec(GATE_KEY, deps=[warehouse_models], group_name="gates", kinds={"duckdb"},
                     description="Reconciliation checks across sources, then each council-month's publish/blocked "
                     "decision from every check recorded for it (audit.gate_decisions)."),
        dg.AssetSpec(PACK_KEY, deps=[GATE_KEY], group_name="exports", kinds={"xlsx", "csv", "html"}, skippable=True,
                     description="The council-month's pack: kpi_pack.xlsx, mps_tables.xlsx, CSVs, report.html, "
                     "manifest.json, in <exports>/YYYY-MM/ (<exports>/<council>/YYYY-MM/ for a warehouse of "
                     "several councils). Materialized only for council-months the gate let through."),
    ],
    check_specs=[dg.AssetCheckSpec(name, asset=GATE_KEY, blocking=True, partitions_def=council_months, description=text)
                 for name, text in GATE_CHECKS.items()],
    partitions_def=council_months,
    backfill_policy=single_run,
    can_subset=True,
    pool=POOL,
    name="publication",
)
def publication(context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource) -> Iterator:
    config = load_gate_config()
    parts = parts_of(context)
    published: list[str] = []
    blocked: dict[str, str] = {}
    evaluations: list[dg.AssetCheckEvaluation] = []
    packs: list[dg.AssetMaterialization] = []
    with warehouse.connect() as con:
        # Every council-month is decided before any pack is built: a pack's peer statistics must not
        # take a value of a council-month blocked in this run (orchestration/pack/benchmark.py).
        decided: list[tuple[Part, list[CheckResult], Path]] = []
        for part in parts:
            recon = run_reconciliation_checks(con, part, config)
            record_results(con, recon)
            results = load_results(con, part)
            decision = decide_month(con, part)  # re-derived from audit.check_results: never the run status
            record_decision(con, decision)
            report = dq_report_path(warehouse, part)
            write_private(report, render_report_html(results, part))
            # internal market-oversight page beside the DQ reports (never in exports/)
            write_private(oversight_path(warehouse.side_dir, part.council, part.month), render_oversight_html(
                register_rows(con, part.council, part.month), part.council, part.month, decision.blocked))
            evaluations += gate_evaluations(part, results, {r.name for r in recon})
            if decision.blocked:
                blocked[part.partition_key] = decision.reasons[0]
                progress("publish", f"{part.label}: BLOCKED ({len(decision.reasons)} failing checks) - {decision.reasons[0]}")
            else:
                decided.append((part, results, report))
        for part, results, report in decided:
            exports = warehouse.exports_for(part.council)
            exports.mkdir(parents=True, exist_ok=True)
            for stale in remove_stale_temp_dirs(exports):
                progress("publish", f"removed {stale.name}, left by an interrupted refresh")
            extra = {
                "source_files": source_files(con, part.month, part.council),
                "checks": summary_for_manifest(results),
                "data_quality_report": str(report),
                # in the council's landing folder but read by nothing: named, never silently ignored
                "unexpected_files": unexpected_entries(landing.folder_of(part.council), part.month),
            }
            try:
                path = publish_month(con, part.month, exports, council=part.council, manifest_extra=extra)
            except AlreadyPublished as exc:
                record_publication(con, part, "already published", str(exports / part.month))
                progress("publish", f"{part.label}: already published, left unchanged ({exc})")
                continue
            record_publication(con, part, "published", str(path))
            published.append(part.partition_key)
            progress("publish", f"{part.label}: published -> {path}")
            packs.append(dg.AssetMaterialization(asset_key=PACK_KEY, partition=part.partition_key,
                                                 metadata={"path": str(path)}))
    yield dg.MaterializeResult(asset_key=GATE_KEY, metadata={
        "council_months": len(parts), "published": len(published), "blocked": len(blocked),
        "blocked_reasons": dg.MetadataValue.md("\n".join(f"- {k}: {v}" for k, v in blocked.items()) or "none"),
    })
    yield from packs
    yield from evaluations
