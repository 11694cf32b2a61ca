"""The monthly schedule: 06:00 on the 5th (ASCW_SCHEDULE_DAY / ASCW_SCHEDULE_HOUR, in
ASCW_TIMEZONE), refreshing the month that closed before the tick for every council whose landing
folder has that month's folder and whose pack for it is not published yet (files missing from the
folder block that council-month with the reason). The same runs as the `ascw` command and the
sensor plan (orchestration/run_plan.py)."""
from datetime import datetime

import dagster as dg

from orchestration.defs.jobs import monthly_refresh
from orchestration.defs.publication import PACK_KEY
from orchestration.defs.resources import LandingResource
from orchestration.months import add_months, month_label
from orchestration.partitions_key import Part
from orchestration.run_plan import COUNCILS, MONTHS, new_keys, range_tags, rectangles
from orchestration.settings import load_settings

_settings = load_settings()


def month_closed_before(tick: datetime) -> str:
    return month_label(add_months(tick.date().replace(day=1), -1))


@dg.schedule(
    job=monthly_refresh,
    cron_schedule=f"0 {_settings.schedule_hour} {_settings.schedule_day} * *",
    execution_timezone=_settings.timezone,
    name="monthly_refresh_schedule",
    description="Each tick refreshes the month that closed before it, for every council that delivered it.",
)
def monthly_refresh_schedule(context: dg.ScheduleEvaluationContext, landing: LandingResource) -> list[dg.RunRequest]:
    tick = context.scheduled_execution_time or datetime.now()
    month = month_closed_before(tick)
    instance = context.instance
    done = set(instance.get_materialized_partitions(PACK_KEY)) if instance.has_asset_key(PACK_KEY) else set()
    parts = [Part(c.code, month) for c in landing.councils()
             if (c.folder / month).is_dir() and Part(c.code, month).partition_key not in done]
    councils, months = instance.get_dynamic_partitions(COUNCILS), instance.get_dynamic_partitions(MONTHS)
    for name, have, keys in ((COUNCILS, councils, [p.council for p in parts]), (MONTHS, months, [month] if parts else [])):
        new = new_keys(have, keys)
        if new:
            instance.add_dynamic_partitions(name, new)
    councils, months = instance.get_dynamic_partitions(COUNCILS), instance.get_dynamic_partitions(MONTHS)
    return [dg.RunRequest(run_key=f"{month}:{rect[0].council}:{len(rect)}", tags={**range_tags(rect), "ascw/requested_by": "schedule"})
            for rect in rectangles(parts, councils, months)]
