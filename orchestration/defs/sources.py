"""Source assets: one raw table per landing file type, loaded month by month.

One op loads the whole month (every file type lands in its own `raw` table), runs the source
data-quality gates (Great Expectations suites + file-level checks) and reports them as asset
checks on the raw table they concern. The checks are recorded in `audit.check_results`;
publication of a month is decided from that table, not from the run status.
"""
from collections import defaultdict
from collections.abc import Iterable, Iterator

import dagster as dg

from orchestration.defs.partitions import monthly_partitions, months_of, single_run
from orchestration.defs.resources import WarehouseResource
from orchestration.gates import load_gate_config, record_results, run_source_checks_for_months
from orchestration.gates.results import CheckResult, clear_month
from orchestration.gates.verdict_store import VerdictStore, store_folder
from orchestration.progress import progress
from sources.contracts import FILE_TYPES, FileType
from sources.loader import load_month, load_reference

SOURCE_CHECK = "source_checks"


def raw_asset_key(ft: FileType) -> dg.AssetKey:
    # The dbt project declares these tables as source `raw`, so dagster-dbt links them.
    return dg.AssetKey(["raw", ft.raw_table])


RAW_SPECS = [
    dg.AssetSpec(
        raw_asset_key(ft),
        description=f"{ft.description} Landing file: `{ft.file_pattern}` ({ft.scope}).",
        group_name="sources",
        kinds={"duckdb", "csv"},
    )
    for ft in FILE_TYPES.values()
]
RAW_CHECKS = [
    dg.AssetCheckSpec(
        SOURCE_CHECK,
        asset=raw_asset_key(ft),
        description="Contract, type, code-list, range, uniqueness, drift and row-accounting checks "
        "for this file type (GX suite in expectations/ plus file-level checks). ERROR failures "
        "block the month's publication.",
    )
    for ft in FILE_TYPES.values()
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


def check_results_for_assets(results: Iterable[CheckResult]) -> Iterator[dg.AssetCheckResult]:
    """One Dagster check result per raw table: failed if any of its checks failed. Results about
    no file in particular (stage markers) stay in audit.check_results only."""
    by_type: dict[str, list[CheckResult]] = defaultdict(list)
    for r in results:
        ft = file_type_of(r)
        if ft is not None:
            by_type[ft.key].append(r)
    for ft in FILE_TYPES.values():
        rs = by_type.get(ft.key, [])
        failed = [r for r in rs if not r.passed]
        errors = [r for r in failed if r.severity == "ERROR"]
        yield dg.AssetCheckResult(
            asset_key=raw_asset_key(ft),
            check_name=SOURCE_CHECK,
            passed=not errors,
            severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
            metadata={
                "checks_run": len(rs),
                "failed": len(failed),
                "failures": dg.MetadataValue.md(
                    "\n".join(f"- **{r.severity}** {r.month} {r.message}" for r in failed[:50])
                    or "none"
                ),
            },
        )


@dg.multi_asset(
    specs=RAW_SPECS,
    check_specs=RAW_CHECKS,
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    name="landing_files",
    description="Load the month's landing folder (and changed reference files) into `raw`.",
)
def landing_files(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator:
    config = load_gate_config()
    all_results: list[CheckResult] = []
    rows: dict[str, int] = defaultdict(int)
    with warehouse.connect() as con:
        ref = load_reference(con, warehouse.landing_path)
        progress("load", f"reference files: {_summarise(ref)}")
        months = months_of(context)
        for month in months:
            clear_month(con, month)  # a refresh re-decides the month from this run's checks only
            report = load_month(con, warehouse.landing_path, month, council=warehouse.council or None)
            progress("load", f"{month}: {_summarise(report)}")
            for f in report.files:
                rows[f.file_type] += f.rows_loaded
        # One validation pass over every month of the run (GX's cost is mostly per call).
        verdicts = VerdictStore(store_folder(warehouse.warehouse_path))
        by_month = run_source_checks_for_months(con, months, config, verdicts)
        for month in months:
            results = by_month[month]
            record_results(con, results)
            failed = [r for r in results if r.blocking]
            progress(
                "validate",
                f"{month}: {len(results)} checks, {len(failed)} blocking failure(s)"
                + (f" - first: {failed[0].message}" if failed else ""),
            )
            all_results += results
    for ft in FILE_TYPES.values():
        yield dg.MaterializeResult(
            asset_key=raw_asset_key(ft), metadata={"rows_loaded_this_run": rows.get(ft.key, 0)}
        )
    yield from check_results_for_assets(all_results)


def _summarise(report: object) -> str:
    files = getattr(report, "files", [])
    loaded = sum(f.rows_loaded for f in files)
    rejected = sum(f.rows_rejected for f in files)
    bad = [f"{f.file}: {f.status}" for f in files if f.status not in ("loaded", "unchanged")]
    return f"{len(files)} files, {loaded} rows loaded, {rejected} rejected" + (
        f" ({'; '.join(bad)})" if bad else ""
    )
