"""Source assets: one raw table per landing file type.

`reference_files` (not partitioned) loads each council's `reference/` folder (census, population,
element-to-rung map, KPI targets) when a file changed. `landing_files` (council x month) loads the
run's council-months, then runs the source data-quality gates (Great Expectations suites and
file-level checks) once over all of them and reports each council-month's result as a check on
each raw table's partition. The results are recorded in `audit.check_results`; whether a
council-month is published is decided from that table by the publication gate
(orchestration/defs/checks.py), never from the run status. A bad extract therefore fails its own
council-month's checks and the run goes on for the others.
"""
from collections import defaultdict
from collections.abc import Iterable, Iterator

import dagster as dg

from orchestration.defs.partitions import POOL, council_months, parts_of, single_run
from orchestration.defs.resources import LandingResource, WarehouseResource
from orchestration.gates import load_gate_config, record_results, run_source_checks_for_parts
from orchestration.gates.results import CheckResult, clear_month
from orchestration.gates.verdict_store import VerdictStore, store_folder
from orchestration.partitions_key import Part
from orchestration.progress import progress
from sources.contracts import FILE_TYPES, REFERENCE_FILE_TYPES, FileType
from sources.loader import load_month, load_reference
from sources.scenarios import RAW_TABLES as SCENARIO_TABLES
from sources.scenarios import load_scenarios

SOURCE_CHECK = "source_checks"
MONTHLY_TYPES = [ft for ft in FILE_TYPES.values() if ft.scope != "reference"]


def raw_asset_key(ft: FileType) -> dg.AssetKey:
    # The dbt project declares these tables as source `raw`, so dagster-dbt links them.
    return dg.AssetKey(["raw", ft.raw_table])


def _spec(ft: FileType, **kw: object) -> dg.AssetSpec:
    return dg.AssetSpec(
        raw_asset_key(ft),
        description=f"{ft.description} Landing file: `{ft.file_pattern}` ({ft.scope}).",
        group_name="sources",
        kinds={"duckdb", "csv"},
        **kw,  # type: ignore[arg-type]
    )


RAW_CHECKS = [
    dg.AssetCheckSpec(
        SOURCE_CHECK,
        asset=raw_asset_key(ft),
        partitions_def=council_months,
        description="The council-month's contract, type, code-list, range, uniqueness, drift and "
        "row-accounting checks of this file type (GX suite in expectations/ plus file-level checks). "
        "Its ERROR failures block the council-month's publication through the publication gate "
        "(audit/publication_gate: source_gates, a blocking check); other councils and months go on.",
    )
    for ft in MONTHLY_TYPES
]


def file_type_of(result: CheckResult) -> FileType | None:
    """The file type a check result is about, from its target or file name."""
    for ft in FILE_TYPES.values():
        if result.target in (ft.key, ft.raw_table, f"raw.{ft.raw_table}"):
            return ft
    for ft in FILE_TYPES.values():
        stem = ft.file_pattern.split("{")[0]
        if result.file and result.file.startswith(stem):
            return ft
    return None


def failures_md(results: Iterable[CheckResult], limit: int = 50) -> str:
    failed = [r for r in results if not r.passed and not r.skipped]
    return "\n".join(f"- **{r.severity}** {r.message}" for r in failed[:limit]) or "none"


def check_evaluations(parts: list[Part], by_part: dict[Part, list[CheckResult]]) -> Iterator[dg.AssetCheckEvaluation]:
    """One evaluation per monthly raw table and council-month: failed if any of its ERROR checks
    failed (WARN severity when only warnings failed). The reference files' results are reported on
    `reference_files`; stage markers stay in audit.check_results only."""
    for part in parts:
        by_type: dict[str, list[CheckResult]] = defaultdict(list)
        for r in by_part.get(part, []):
            ft = file_type_of(r)
            if ft is not None:
                by_type[ft.key].append(r)
        for ft in MONTHLY_TYPES:
            rs = by_type.get(ft.key, [])
            failed = [r for r in rs if not r.passed and not r.skipped]
            errors = [r for r in failed if r.severity == "ERROR"]
            yield dg.AssetCheckEvaluation(
                asset_key=raw_asset_key(ft),
                check_name=SOURCE_CHECK,
                passed=not errors,
                severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
                partition=part.partition_key,
                metadata={"checks_run": len(rs), "failed": len(failed), "failures": dg.MetadataValue.md(failures_md(rs))},
            )


SCENARIO_SPECS = [dg.AssetSpec(["raw", t], group_name="sources", kinds={"duckdb", "yaml"},
                               description="The council's care-ladder shift scenarios (`scenarios/*.yml`, "
                               "sources/scenarios.py); a rejected file is in raw._rejects.") for t in SCENARIO_TABLES]


@dg.multi_asset(
    specs=[*(_spec(ft) for ft in REFERENCE_FILE_TYPES), *SCENARIO_SPECS],
    name="reference_files",
    pool=POOL,
    description="Load each council's `reference/` folder into `raw` (files unchanged since their last "
    "load are skipped). Validated with the months that use them (landing_files).",
)
def reference_files(context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource) -> Iterator:
    rows: dict[str, int] = defaultdict(int)
    councils = landing.councils()
    with warehouse.connect() as con:
        for council in councils:
            report = load_reference(con, council.folder, council=council.code)
            progress("load", f"{council.code} reference files: {_summarise(report)}")
            scenarios = load_scenarios(con, council.folder, council=council.code)
            if scenarios.scenarios or scenarios.problems:
                progress("load", f"{council.code} scenarios: {len(scenarios.scenarios)} loaded"
                         + "".join(f"; rejected {p}" for p in scenarios.problems))
            for f in report.files:
                rows[f.file_type] += f.rows_loaded
    for ft in REFERENCE_FILE_TYPES:
        yield dg.MaterializeResult(asset_key=raw_asset_key(ft), metadata={
            "councils": len(councils), "rows_loaded_this_run": rows.get(ft.key, 0)})
    for spec in SCENARIO_SPECS:
        yield dg.MaterializeResult(asset_key=spec.key, metadata={"councils": len(councils)})


@dg.multi_asset(
    specs=[_spec(ft, deps=[raw_asset_key(r) for r in REFERENCE_FILE_TYPES]) for ft in MONTHLY_TYPES],
    check_specs=RAW_CHECKS,
    partitions_def=council_months,
    backfill_policy=single_run,
    can_subset=True,  # the checks are evaluated per council-month (AssetCheckEvaluation), not as outputs
    pool=POOL,
    name="landing_files",
    description="Load the council-months' landing folders into `raw`, then validate them in one pass.",
)
def landing_files(context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource) -> Iterator:
    config = load_gate_config()
    parts = parts_of(context)
    rows: dict[str, int] = defaultdict(int)
    with warehouse.connect() as con:
        for part in parts:
            clear_month(con, part)  # a refresh re-decides the council-month from this run's checks only
            report = load_month(con, landing.folder_of(part.council), part.month, council=part.council)
            progress("load", f"{part.label}: {_summarise(report)}")
            for f in report.files:
                rows[f.file_type] += f.rows_loaded
        # One validation pass over every council-month of the run (GX's cost is mostly per call).
        verdicts = VerdictStore(store_folder(warehouse.warehouse_path))
        by_part = run_source_checks_for_parts(con, parts, config, verdicts)
        for part in parts:
            results = by_part[part]
            record_results(con, results)
            failed = [r for r in results if r.blocking]
            progress(
                "validate",
                f"{part.label}: {len(results)} checks, {len(failed)} blocking failure(s)"
                + (f" - first: {failed[0].message}" if failed else ""),
            )
    for ft in MONTHLY_TYPES:
        yield dg.MaterializeResult(asset_key=raw_asset_key(ft), metadata={"rows_loaded_this_run": rows.get(ft.key, 0)})
    yield from check_evaluations(parts, by_part)


def _summarise(report: object) -> str:
    files = getattr(report, "files", [])
    loaded = sum(f.rows_loaded for f in files)
    rejected = sum(f.rows_rejected for f in files)
    bad = [f"{f.file}: {f.status}" for f in files if f.status not in ("loaded", "unchanged", "absent")]
    return f"{len(files)} files, {loaded} rows loaded, {rejected} rejected" + (
        f" ({'; '.join(bad)})" if bad else ""
    )
