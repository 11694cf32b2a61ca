"""The persistent Dagster instance a warehouse's refreshes record into.

Contract: the instance lives in `<folder of the warehouse file>/dagster/` unless `DAGSTER_HOME` is
set (orchestration.settings.dagster_home). `ascw refresh`, `ascw refresh-region`, `ascw demo`,
the schedule and the sensor all record their runs, materializations and check results there, and
`make dev` opens the UI on that same instance, so the history a refresh made is what the people
operating the service see.

The instance's `dagster.yaml` is written on first use (and kept: an operator may edit it):
- the run queue admits one run that writes the warehouse at a time (tag `ascw/writes=warehouse`,
  limit 1), so a catch-up requested from the UI or by the sensor runs one run after another;
- telemetry off (the warehouse holds data about people; nothing about its runs leaves the
  machine), and the UI's newsletter prompt;
- run monitoring on (the daemon fails runs whose process died).
Runs of the `ascw` command execute in its own process (not through the daemon's queue); they hold
the warehouse's run lock (orchestration/defs/resources.py) like every run, and are seen by the
queue as in progress, so queued runs wait for them. A run the instance still shows as in progress
when nobody holds the lock was left by a killed process: the command marks it failed
(`fail_abandoned_runs`).
"""
from __future__ import annotations

from pathlib import Path

import dagster as dg

WRITES_TAG = "ascw/writes"
WRITES_VALUE = "warehouse"
CONFIG_NAME = "dagster.yaml"

DAGSTER_YAML = f"""\
# Written by ascw for this warehouse's Dagster instance (orchestration/instance.py); yours to edit.
concurrency:
  runs:
    # One run that writes the warehouse at a time (DuckDB: one writer per file).
    tag_concurrency_limits:
      - key: "{WRITES_TAG}"
        value: "{WRITES_VALUE}"
        limit: 1
telemetry:
  enabled: false
nux:
  enabled: false
run_monitoring:
  enabled: true
"""


def ensure_instance_home(home: Path) -> Path:
    """Create the instance folder and its dagster.yaml (unless one is there)."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / CONFIG_NAME
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return home


def open_instance(home: Path) -> dg.DagsterInstance:
    """The persistent instance in `home` (created with ascw's dagster.yaml when new)."""
    return dg.DagsterInstance.from_config(str(ensure_instance_home(home)))


def fail_abandoned_runs(instance: dg.DagsterInstance, job_name: str) -> list[str]:
    """Mark failed the runs of `job_name` the instance shows in progress: called only while
    holding the warehouse's run lock, when no run of this warehouse can be running, so they were
    left by a process that died (queued runs are left to the queue). Returns their ids."""
    running = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
    stale = instance.get_runs(filters=dg.RunsFilter(job_name=job_name, statuses=running))
    for run in stale:
        instance.report_run_failed(run, "The process running this refresh ended without finishing it "
                                        "(killed or crashed); marked failed by the next refresh.")
    return [run.run_id for run in stale]
