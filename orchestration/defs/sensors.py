"""A sensor on the landing directory: when council-months hold a complete set of files, request
their refresh, as few runs as cover them (one for a region's new month, one for a council's
catch-up: orchestration/run_plan.py), adding the councils and months it has not seen as
partitions. The cursor remembers the fingerprint of the files each council-month was requested
for, and a run's key is its council-months with their fingerprints, so the same files never
trigger twice while a corrected re-delivery does."""
import hashlib
import json

import dagster as dg

from orchestration.defs.jobs import monthly_refresh
from orchestration.defs.resources import LandingResource
from orchestration.landing_watch import complete_parts, new_or_changed
from orchestration.partitions_key import Part
from orchestration.run_plan import COUNCILS, MONTHS, new_keys, range_tags, rectangles


def plan_requests(todo: dict[Part, str], councils: list[str], months: list[str]) -> tuple[list[dg.RunRequest], list[str], list[str]]:
    """Run requests for `todo` (council-month -> files' fingerprint) given the partitions already
    registered, and the councils and months to register first (sorted, appended)."""
    new_councils = new_keys(councils, (p.council for p in todo))
    new_months = new_keys(months, (p.month for p in todo))
    requests = []
    for rect in rectangles(todo, [*councils, *new_councils], [*months, *new_months]):
        key = hashlib.sha256("".join(f"{p.partition_key}:{todo[p]};" for p in rect).encode()).hexdigest()[:16]
        requests.append(dg.RunRequest(run_key=key, tags={**range_tags(rect), "ascw/requested_by": "landing_sensor"}))
    return requests, new_councils, new_months


@dg.sensor(
    job=monthly_refresh,
    minimum_interval_seconds=300,
    description="Watches the landing directory for council-months with a complete set of extracts.",
)
def landing_sensor(context: dg.SensorEvaluationContext, landing: LandingResource) -> dg.SensorResult:
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current = {p.partition_key: fp for p, fp in complete_parts(landing.councils()).items()}
    todo = {Part.from_partition_key(k): fp for k, fp in new_or_changed(current, seen).items()}
    requests, new_councils, new_months = plan_requests(
        todo, context.instance.get_dynamic_partitions(COUNCILS), context.instance.get_dynamic_partitions(MONTHS))
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[r for r in (
            dg.AddDynamicPartitionsRequest(COUNCILS, new_councils) if new_councils else None,
            dg.AddDynamicPartitionsRequest(MONTHS, new_months) if new_months else None) if r],
        cursor=json.dumps({**seen, **{p.partition_key: fp for p, fp in todo.items()}}, sort_keys=True),
    )
