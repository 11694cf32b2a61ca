"""The Dagster definitions: they load, the schedule's cron and partition, the sensor's requests."""
import json
import os
from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest

from orchestration.landing_watch import expected_files


@pytest.fixture(scope="module")
def defs(dbt_manifest: Path) -> dg.Definitions:
    from orchestration.definitions import defs as definitions

    return definitions


def test_definitions_load_with_every_area(defs: dg.Definitions) -> None:
    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert {"raw/las_cld", "raw/controcc_service_lines", "audit/publication_gate", "exports/published_pack"} <= keys
    assert "care_ladder_monthly" in {k.path[-1] for k in repo.asset_graph.get_all_asset_keys()}
    job = defs.resolve_job_def("monthly_refresh")
    assert job.partitions_def is not None


def test_every_singular_dbt_test_is_an_asset_check(defs: dg.Definitions, dbt_manifest: Path) -> None:
    """Singular tests reading several models name the model they check (meta dagster.ref), so
    Dagster shows them as that asset's checks, not as loose observations with a warning."""
    nodes = json.loads(dbt_manifest.read_text())["nodes"].values()
    singular = {n["name"] for n in nodes if n["resource_type"] == "test" and not n.get("test_metadata")}
    checks = {k.name for k in defs.get_repository_def().asset_graph.asset_check_keys}
    assert len(singular) >= 4
    assert singular <= checks, singular - checks


def test_schedule_runs_at_six_on_the_fifth_for_the_month_just_closed(defs: dg.Definitions) -> None:
    schedule = defs.resolve_schedule_def("monthly_refresh_schedule")
    assert schedule.cron_schedule == "0 6 5 * *"
    ctx = dg.build_schedule_context(scheduled_execution_time=datetime(2024, 4, 5, 6, 0))
    result = schedule.evaluate_tick(ctx)
    assert [r.partition_key for r in result.run_requests] == ["2024-03-01"]


def test_sensor_requests_complete_months_once(defs: dg.Definitions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASCW_LANDING", str(tmp_path))
    for month, n in (("2024-02", None), ("2024-03", -1)):
        (tmp_path / month).mkdir()
        for name in expected_files(month)[: n]:
            (tmp_path / month / name).write_text("x\n")
    sensor = defs.resolve_sensor_def("landing_sensor")
    first = sensor.evaluate_tick(dg.build_sensor_context(cursor=None, definitions=defs))
    assert [r.partition_key for r in first.run_requests] == ["2024-02-01"]
    assert first.run_requests[0].run_key.startswith("2024-02:")
    again = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor, definitions=defs))
    assert again.run_requests == []  # same files: no second run
    (tmp_path / "2024-03" / expected_files("2024-03")[-1]).write_text("x\n")  # the last file arrives
    third = sensor.evaluate_tick(dg.build_sensor_context(cursor=again.cursor, definitions=defs))
    assert [r.partition_key for r in third.run_requests] == ["2024-03-01"]
    assert set(json.loads(third.cursor)) == {"2024-02", "2024-03"}
