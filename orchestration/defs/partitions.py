"""The partitions every monthly asset shares: council x month.

Both dimensions are dynamic: a council is added when its landing folder appears, a month when a
month folder does (by the `ascw` command, the sensor or the schedule: orchestration/run_plan.py),
so the UI shows exactly the council-months delivered, each materialized (or not) with its own
check results. A multi-partition key is `<council>|<YYYY-MM>` (dimensions in name order), e.g.
`E06000023|2024-03`. Reference (non-monthly) assets are not partitioned.
"""
import dagster as dg

from orchestration.partitions_key import Part
from orchestration.run_plan import COUNCILS, MONTHS, PARTITION_TAG, RANGE_END, RANGE_START

councils = dg.DynamicPartitionsDefinition(name=COUNCILS)
months = dg.DynamicPartitionsDefinition(name=MONTHS)
council_months = dg.MultiPartitionsDefinition({"council": councils, "month": months})
# A run over many council-months is one run: one load, ONE validation and ONE dbt build over all
# of them, then the gate and publication of each (orchestration/run_plan.py).
single_run = dg.BackfillPolicy.single_run()
POOL = "warehouse"  # every step that writes the warehouse


def parts_of(context: dg.AssetExecutionContext) -> list[Part]:
    """The council-months this run covers, by council then month."""
    return sorted(Part.from_partition_key(k) for k in context.partition_keys)


def run_parts(context: dg.AssetExecutionContext) -> list[Part]:
    """The council-months of the run an unpartitioned asset executes in (its partition tags read
    through the job's partitions definition, as Dagster reads them); none in a run of no
    partitions."""
    tags = context.run.tags
    start, end = tags.get(RANGE_START), tags.get(RANGE_END)
    if start and end:
        keys = council_months.get_partition_keys_in_range(
            dg.PartitionKeyRange(start, end), dynamic_partitions_store=context.instance)
    elif tags.get(PARTITION_TAG):
        keys = [tags[PARTITION_TAG]]
    else:
        return []
    return sorted(Part.from_partition_key(k) for k in keys)
