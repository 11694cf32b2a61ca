"""A sensor on the landing directory: when a month folder holds a complete set of files, request
that month's refresh. The cursor remembers the fingerprint of the files each month was requested
for, and the run key is month + fingerprint, so the same files never trigger twice while a
corrected re-delivery does."""
import json

import dagster as dg

from orchestration.defs.jobs import monthly_refresh
from orchestration.landing_watch import complete_months, new_or_changed
from orchestration.months import partition_key
from orchestration.settings import load_settings


@dg.sensor(
    job=monthly_refresh,
    minimum_interval_seconds=300,
    description="Watches the landing directory for complete months of extracts.",
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current = complete_months(load_settings().landing)
    todo = new_or_changed(current, seen)
    requests = [
        dg.RunRequest(run_key=f"{m}:{fp}", partition_key=partition_key(m), tags={"ascw/files": fp})
        for m, fp in todo.items()
    ]
    return dg.SensorResult(run_requests=requests, cursor=json.dumps({**seen, **todo}, sort_keys=True))
