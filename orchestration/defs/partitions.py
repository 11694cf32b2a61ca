"""The monthly partitions every asset shares; a key is the month's first day (`2024-03-01`)."""
import dagster as dg

from orchestration.months import partition_key
from orchestration.settings import load_settings

_settings = load_settings()
monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=partition_key(_settings.start_month), end_offset=0, timezone=_settings.timezone
)
# A backfill over many months is one run: one load per month, then ONE dbt build over all of
# them, then one publish step per month (the 3-minute demo budget depends on it).
single_run = dg.BackfillPolicy.single_run()


def months_of(context: dg.AssetExecutionContext) -> list[str]:
    """`YYYY-MM` labels of the partitions this run covers, oldest first."""
    return [k[:7] for k in context.partition_keys]
