"""The monthly refresh job: every asset, for a rectangle of council-months in one run
(orchestration/run_plan.py). Tagged as a warehouse writer: the instance's run queue admits one
such run at a time (orchestration/instance.py)."""
import dagster as dg

from orchestration.defs.partitions import council_months
from orchestration.instance import WRITES_TAG, WRITES_VALUE

monthly_refresh = dg.define_asset_job(
    "monthly_refresh",
    selection=dg.AssetSelection.all(),
    partitions_def=council_months,
    description="Load -> validate -> one dbt build -> reconcile, decide and publish each council-month.",
    executor_def=dg.in_process_executor,  # one DuckDB writer at a time
    tags={WRITES_TAG: WRITES_VALUE},
)
