"""The dbt project as Dagster assets: staging -> intermediate -> marts in one `dbt build`.

The marts are full rebuilds over every loaded month (they are small), so a backfill of any
range is a single dbt invocation; the five staging models that read the long extracts are
incremental by load (dbt_project/macros/incremental_by_load.sql), and the build is a full
refresh whenever the dbt project is not the one that last built the warehouse
(orchestration/dbt_incremental.py). dbt tests become Dagster asset checks; their outcomes are
also written to `audit.check_results` for every month of the run, because the publish step
decides from that table (a failing dbt test does not block a downstream Python asset in
Dagster today: see ../shared/STACK.md).

In a region refresh (`ascw refresh-region`, orchestration/shared_build.py) the council's build
may be a clean region build's: with ASCW_SHARED_BUILD set, the asset adopts the council's rows
of the region's tables and records the region build's test results, instead of running dbt.
"""
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.dbt_console import CONSOLE_LOG, stdout_to
from orchestration.dbt_incremental import (
    every_model_built, full_refresh_args, project_fingerprint, record_fingerprint, recorded_fingerprint,
)
from orchestration.dbt_results import results_from_run_results
from orchestration.dbt_target import DBT_DIR, keep_parse_and_prune, run_target_path
from orchestration.defs.partitions import monthly_partitions, months_of, single_run
from orchestration.decisions import months_open_for_dbt
from orchestration.defs.resources import WarehouseResource, dbt_project
from orchestration.gates import record_results
from orchestration.shared_build import SharedBuild, adopt, dbt_tables, topological
from orchestration.progress import progress
from orchestration.settings import DBT_PROJECT_DIR

dbt_project.prepare_if_dev()

DBT_LOG_FILE_ARGS = ("--log-level-file", "warn", "--log-format-file", "text")


class Translator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return "sources"
        return "warehouse"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    dagster_dbt_translator=Translator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
    name="warehouse_models",
)
def warehouse_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator:
    months = months_of(context)
    with warehouse.connect() as con:
        open_months = months_open_for_dbt(con, months)
        council = warehouse.council_code(con)
        recorded = recorded_fingerprint(con)
    if not open_months:
        # Nothing in this run can be published: do not rebuild the marts from a bad extract.
        raise dg.Failure(description="dbt not run: every month of this run failed a blocking source check")
    shared = SharedBuild.from_env()
    if shared is not None:
        yield from adopt_shared_build(context, warehouse, shared, council, months)
        return
    warehouse.dbt_env(council)
    fingerprint = project_fingerprint(DBT_PROJECT_DIR)
    refresh_args = full_refresh_args(recorded, fingerprint)
    progress("dbt", f"dbt build for {months[0]}..{months[-1]}"
             + (" (full: the dbt project is not the one that last built this warehouse)" if refresh_args else ""))
    # The marts are rebuilt over every loaded month, so the build takes no month arguments
    # (which would also defeat dbt's partial parsing: see orchestration/dbt_target.py).
    target_base = warehouse.side_dir / DBT_DIR
    target = run_target_path(target_base, context.run_id)
    invocation = dbt.cli(
        # Unit tests check the models' logic and run in the test suite, not on every month.
        # dbt.log keeps warnings and errors only (as text): its default is every event at debug
        # level, ~5 MB of JSON per build, which cost ~1.5 s of CPU (measured: docs/BENCHMARKS.md); the
        # console's events are in dbt_console.log and each model's SQL in run/ beside it.
        ["build", "--exclude", "resource_type:unit_test", *refresh_args, *DBT_LOG_FILE_ARGS],
        context=context,
        raise_on_error=False,
        target_path=target,
    )
    with (target / CONSOLE_LOG).open("w", encoding="utf-8") as console:
        yield from stdout_to(console, invocation.stream())
    keep_parse_and_prune(target_base, target)
    run_results = invocation.get_artifact("run_results.json")
    results = results_from_run_results(run_results, invocation.manifest, months)
    with warehouse.connect() as con:
        record_results(con, results)
        if every_model_built(run_results):
            record_fingerprint(con, fingerprint)
    failed = [r for r in results if not r.passed and r.severity == "ERROR"]
    progress("dbt", f"{len(results) // max(len(months), 1)} dbt tests, {len(failed) // max(len(months), 1)} failing")
    if not invocation.is_successful():
        raise dg.Failure(
            description="dbt build failed: "
            + "; ".join(sorted({r.message for r in failed})[:5] or [f"see {target}/dbt.log"])
        )


def adopt_shared_build(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, shared: SharedBuild, council: str,
    months: list[str],
) -> Iterator:
    """The council's rows of a clean region build (every model built, every test passed: see
    orchestration/shared_build.py) become its warehouse's dbt tables; the build's test results
    are recorded for the council's months (`audit.check_results`, which the gate reads). A
    region refresh runs this without the dbt tests as asset checks (`cli.stage_job`); any
    that are selected are reported passed, as the clean build's were."""
    manifest = shared.artifact("manifest.json")
    results = results_from_run_results(shared.artifact("run_results.json"), manifest, months)
    with warehouse.connect() as con:
        rows = adopt(con, shared, council, dbt_tables(manifest))
        record_results(con, results)
    tests = len(results) // max(len(months), 1)
    progress("dbt", f"{council}: {rows} rows of the region's dbt build ({shared.target}), {tests} dbt tests passed")
    for key in topological(context.selected_asset_keys, context.assets_def.asset_deps):
        yield dg.MaterializeResult(asset_key=key, metadata={"shared_build": str(shared.target)})
    for check in sorted(context.selected_asset_check_keys):
        yield dg.AssetCheckResult(asset_key=check.asset_key, check_name=check.name, passed=True,
                                  metadata={"shared_build": str(shared.target)})
