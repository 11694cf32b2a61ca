"""Run settings: where the landing directory, warehouse and exports live, and for which council.

Every setting has an environment variable so that schedulers, the Dagster UI and the `ascw`
command agree without flags; the command's flags override them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DEMO_COUNCIL = "E06000023"


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    exports: Path
    council: str | None  # None: taken from the landing directory's extracts
    start_month: str  # first monthly partition, YYYY-MM
    schedule_day: int  # day of the month the scheduled refresh runs (default the 5th)
    schedule_hour: int  # hour of that day (default 06:00)
    timezone: str

    def with_overrides(self, **kw: object) -> "Settings":
        return replace(self, **{k: v for k, v in kw.items() if v is not None})


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Settings from environment variables (ASCW_*), with project-relative demo defaults."""
    e = os.environ if env is None else env
    return Settings(
        landing=Path(e.get("ASCW_LANDING", PROJECT_ROOT / "landing")).resolve(),
        warehouse=Path(e.get("ASCW_WAREHOUSE", PROJECT_ROOT / "warehouse" / "ascw.duckdb")).resolve(),
        exports=Path(e.get("ASCW_EXPORTS", PROJECT_ROOT / "exports")).resolve(),
        council=e.get("ASCW_COUNCIL") or None,
        start_month=e.get("ASCW_START_MONTH", "2021-04"),
        schedule_day=int(e.get("ASCW_SCHEDULE_DAY", "5")),
        schedule_hour=int(e.get("ASCW_SCHEDULE_HOUR", "6")),
        timezone=e.get("ASCW_TIMEZONE", "Europe/London"),
    )
