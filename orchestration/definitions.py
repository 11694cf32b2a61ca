"""The Dagster code location: `dagster dev -w workspace.yaml` (or `dg dev`) shows it."""
from collections.abc import Mapping

import dagster as dg

from orchestration.defs.checks import publication_gate
from orchestration.defs.exports import marts_parquet, published_pack
from orchestration.defs.jobs import monthly_refresh
from orchestration.defs.resources import default_resources
from orchestration.defs.schedules import monthly_refresh_schedule
from orchestration.defs.sensors import landing_sensor
from orchestration.defs.sources import landing_files
from orchestration.defs.warehouse import warehouse_models

ASSETS = [landing_files, warehouse_models, publication_gate, published_pack, marts_parquet]


def build_definitions(resources: Mapping[str, object]) -> dg.Definitions:
    return dg.Definitions(
        assets=ASSETS,
        jobs=[monthly_refresh],
        schedules=[monthly_refresh_schedule],
        sensors=[landing_sensor],
        resources=dict(resources),
    )


defs = build_definitions(default_resources())
