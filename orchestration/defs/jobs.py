"""The monthly refresh job: every asset, one month (or a range of months in one run)."""
import dagster as dg

from orchestration.defs.partitions import monthly_partitions

monthly_refresh = dg.define_asset_job(
    "monthly_refresh",
    selection=dg.AssetSelection.all(),
    partitions_def=monthly_partitions,
    description="Load -> validate -> dbt build -> reconcile -> publish, for the partition's month.",
    executor_def=dg.in_process_executor,  # one DuckDB writer at a time
)
