"""The dbt project as Dagster assets: staging -> intermediate -> marts in ONE `dbt build` per run,
for every council whose month is in the run.

The dbt assets are not partitioned: every build rebuilds every council's marts over every loaded
month (the incremental staging models take only the new loads), so a model's materialization is
"the warehouse as of this build", not one council's month; the run's council-months (its
partition tags) say which results to record. Partitioned, each model would be materialized once
per council-month of the run: ~50 models x council-months of events in the persistent instance
(~35 ms each measured on the 2-core machine: docs/DECISIONS.md), 60 s for the demo's 36 months.

The marts are rebuilt over every loaded month; the five staging models that read the long
extracts are incremental by load (dbt_project/macros/incremental_by_load.sql), and the build is a
full refresh whenever the dbt project is not the one that last built the warehouse
(orchestration/dbt_incremental.py). dbt's data tests run at severity `warn` inside the build
(dbt_project.yml), so a failing test never makes dbt skip another council's models; each test's
own severity for the publication gate is its `meta.gate_severity`, and its failing rows name the
councils it failed for (every test returns `council_code`: dbt_project/macros/tests/). The
outcomes are written to `audit.check_results` for each council-month of the run
(orchestration/dbt_results.py), where the publication gate reads them (a failing dbt test does not
block a downstream Python asset in Dagster today: see ../shared/STACK.md). They are summarised per
council-month by the gate's `dbt_tests` check, not emitted as one Dagster check per test and
partition (docs/DECISIONS.md: ~155 tests x council-months of events).
"""
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.dbt_console import CONSOLE_LOG, stdout_to
from orchestration.dbt_incremental import (
    every_model_built, full_refresh_args, project_fingerprint, record_fingerprint, recorded_fingerprint,
)
from orchestration.dbt_results import results_for_parts
from orchestration.dbt_target import DBT_DIR, keep_parse_and_prune, run_target_path
from orchestration.decisions import parts_open_for_dbt
from orchestration.defs.partitions import POOL, run_parts
from orchestration.defs.resources import WarehouseResource, dbt_project
from orchestration.gates import record_results
from orchestration.gates.results import stage_marker
from orchestration.progress import progress
from orchestration.settings import DBT_PROJECT_DIR

dbt_project.prepare_if_dev()

DBT_LOG_FILE_ARGS = ("--log-level-file", "warn", "--log-format-file", "text")
DBT_STAGE = "gates.dbt.completed"


class Translator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return "sources"
        return "warehouse"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=Translator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=False)),
    name="warehouse_models",
    pool=POOL,
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource) -> Iterator:
    parts = run_parts(context)
    with warehouse.connect() as con:
        open_parts = parts_open_for_dbt(con, parts)
        recorded = recorded_fingerprint(con)
    if parts and not open_parts:
        # Nothing in this run can be published: do not rebuild the marts from a bad extract.
        raise dg.Failure(description="dbt not run: every council-month of this run failed a blocking source check")
    fingerprint = project_fingerprint(DBT_PROJECT_DIR)
    refresh_args = full_refresh_args(recorded, fingerprint)
    councils = sorted({p.council for p in parts})
    progress("dbt", f"one dbt build for {len(councils)} council(s), {len(parts)} council-month(s)"
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
        # Each test's result also comes as an AssetObservation: ~220 events per build, ~7 s of the
        # instance's writes beside dbt (docs/DECISIONS.md); the results are recorded per council-month
        # below and summarised by the gate's `dbt_tests` check, so they are not written twice.
        yield from (e for e in stdout_to(console, invocation.stream()) if not isinstance(e, dg.AssetObservation))
    keep_parse_and_prune(target_base, target)
    run_results = invocation.get_artifact("run_results.json")
    with warehouse.connect() as con:
        results = results_for_parts(con, run_results, invocation.manifest, target, parts)
        results += [stage_marker(DBT_STAGE, part, [r for r in results if r.part == part]) for part in parts]
        record_results(con, results)
        if every_model_built(run_results):
            record_fingerprint(con, fingerprint)
    failing = sorted({r.name for r in results if r.blocking})
    progress("dbt", f"{len({r.name for r in results})} dbt tests and nodes, {len(failing)} failing for some council-month")
    if not invocation.is_successful():
        raise dg.Failure(description="dbt build failed: " + ("; ".join(failing[:5]) or f"see {target}/dbt.log"))
