"""The Dagster code location: `make dev` (`dagster dev -w workspace.yaml`) shows it, on the
warehouse's persistent instance (orchestration/instance.py). The `ascw` command builds the same
definitions with its own flags as resources (`build_definitions`)."""
from collections.abc import Mapping

import dagster as dg

from orchestration.defs.exports import marts_parquet
from orchestration.defs.jobs import monthly_refresh
from orchestration.defs.publication import publication
from orchestration.defs.resources import default_resources
from orchestration.defs.schedules import monthly_refresh_schedule
from orchestration.defs.sensors import landing_sensor
from orchestration.defs.sources import landing_files, reference_files
from orchestration.defs.warehouse import warehouse_models

ASSETS = [reference_files, landing_files, warehouse_models, publication, marts_parquet]


def build_definitions(resources: Mapping[str, object]) -> dg.Definitions:
    return dg.Definitions(
        assets=ASSETS,
        jobs=[monthly_refresh],
        schedules=[monthly_refresh_schedule],
        sensors=[landing_sensor],
        resources=dict(resources),
    )


defs = build_definitions(default_resources())
