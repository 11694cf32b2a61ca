"""Run settings: where the landing directory, warehouse and exports live, and for which councils.

Every setting has an environment variable so that the Dagster UI (`make dev`), its schedule and
sensor, and the `ascw` command agree without flags; the command's flags override them. They are
read once, when the Dagster definitions are built (`orchestration.definitions`), and from then on
travel as Dagster resource configuration (`orchestration/defs/resources.py`), never through
`os.environ`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DEMO_COUNCIL = "E06000023"
DAGSTER_FOLDER = "dagster"  # the Dagster instance's home beside the warehouse file

# `council`: the landing directory is one council's folder (YYYY-MM/ and reference/ inside);
# `region`: it holds one such folder per council (as `ascw-generate --councils N` writes them);
# `auto`: `council` when it has month folders of its own, else `region`.
Layout = Literal["auto", "council", "region"]


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    exports: Path
    council: str | None  # None: taken from the landing directory's extracts
    layout: Layout
    schedule_day: int  # day of the month the scheduled refresh runs (default the 5th)
    schedule_hour: int  # hour of that day (default 06:00)
    timezone: str

    def with_overrides(self, **kw: object) -> "Settings":
        return replace(self, **{k: v for k, v in kw.items() if v is not None})

    @property
    def dagster_home(self) -> Path:
        return dagster_home(self.warehouse)


def dagster_home(warehouse: Path, env: dict[str, str] | None = None) -> Path:
    """Where the Dagster instance (runs, materializations, check results, the run queue) lives:
    `$DAGSTER_HOME` when set, else `<folder of the warehouse file>/dagster/`."""
    e = os.environ if env is None else env
    home = e.get("DAGSTER_HOME")
    return Path(home).resolve() if home else warehouse.resolve().parent / DAGSTER_FOLDER


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Settings from environment variables (ASCW_*), with project-relative demo defaults."""
    e = os.environ if env is None else env
    layout = e.get("ASCW_LANDING_LAYOUT", "auto")
    if layout not in ("auto", "council", "region"):
        raise ValueError(f"ASCW_LANDING_LAYOUT must be auto, council or region, not {layout!r}")
    return Settings(
        landing=Path(e.get("ASCW_LANDING", PROJECT_ROOT / "landing")).resolve(),
        warehouse=Path(e.get("ASCW_WAREHOUSE", PROJECT_ROOT / "warehouse" / "ascw.duckdb")).resolve(),
        exports=Path(e.get("ASCW_EXPORTS", PROJECT_ROOT / "exports")).resolve(),
        council=(e.get("ASCW_COUNCIL") or "").strip().upper() or None,
        layout=layout,  # type: ignore[arg-type]
        schedule_day=int(e.get("ASCW_SCHEDULE_DAY", "5")),
        schedule_hour=int(e.get("ASCW_SCHEDULE_HOUR", "6")),
        timezone=e.get("ASCW_TIMEZONE", "Europe/London"),
    )
