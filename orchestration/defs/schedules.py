"""The monthly schedule: 06:00 on the 5th (ASCW_SCHEDULE_DAY / ASCW_SCHEDULE_HOUR, in
ASCW_TIMEZONE), refreshing the month just closed (the partition that ended before the tick)."""
import dagster as dg

from orchestration.defs.jobs import monthly_refresh
from orchestration.settings import load_settings

_settings = load_settings()

monthly_refresh_schedule = dg.build_schedule_from_partitioned_job(
    monthly_refresh,
    name="monthly_refresh_schedule",
    day_of_month=_settings.schedule_day,
    hour_of_day=_settings.schedule_hour,
    minute_of_hour=0,
    description="Each tick requests the partition of the month that closed before the tick.",
)
