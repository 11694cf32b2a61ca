"""The Dagster definitions and runtime: the partitions (council x month) and the blocking gate, the
schedule and the sensor requesting as few runs as cover the new council-months, the persistent
instance with its run queue, and the warehouse's run lock."""
import json
import threading
import time
from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.resources import LandingResource, WarehouseBusy, acquire_lock, release_lock, warehouse_lock
from orchestration.instance import WRITES_TAG, WRITES_VALUE, fail_abandoned_runs, open_instance
from orchestration.landing_watch import expected_files
from orchestration.run_plan import COUNCILS, MONTHS, RANGE_END, RANGE_START

MONTHS_6 = ["2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03"]


@pytest.fixture(scope="module")
def defs(dbt_manifest: Path) -> dg.Definitions:
    from orchestration.definitions import defs as definitions

    return definitions


def _graph(defs: dg.Definitions):  # type: ignore[no-untyped-def]
    return defs.get_repository_def().asset_graph


def test_monthly_assets_are_council_x_month_and_the_warehouse_s_models_are_not_partitioned(defs: dg.Definitions) -> None:
    graph = _graph(defs)
    keys = {k.to_user_string(): k for k in graph.get_all_asset_keys()}
    assert {"raw/las_cld", "raw/element_rung_map", "audit/publication_gate", "exports/published_pack",
            "marts/care_ladder_monthly", "exports/marts_parquet"} <= set(keys)
    monthly = graph.get(keys["raw/las_cld"]).partitions_def
    assert isinstance(monthly, dg.MultiPartitionsDefinition)
    assert [d.name for d in monthly.partitions_defs] == ["council", "month"]
    for name in ("audit/publication_gate", "exports/published_pack"):
        assert graph.get(keys[name]).partitions_def == monthly, name
    # every build rebuilds every council's marts: the dbt models are not partitioned, nor are the
    # reference files and the Parquet copies
    for name in ("raw/element_rung_map", "marts/care_ladder_monthly", "staging/stg_las_cld__events",
                 "exports/marts_parquet"):
        assert graph.get(keys[name]).partitions_def is None, name
    assert defs.resolve_job_def("monthly_refresh").partitions_def == monthly
    assert defs.resolve_job_def("monthly_refresh").tags[WRITES_TAG] == WRITES_VALUE


def test_the_publication_gate_checks_are_blocking_and_per_council_month(defs: dg.Definitions) -> None:
    graph = _graph(defs)
    gate = {k.name: k for k in graph.asset_check_keys if k.asset_key.to_user_string() == "audit/publication_gate"}
    assert set(gate) == {"source_gates", "dbt_tests", "reconciliation"}
    for key in gate.values():
        spec = graph.get_check_spec(key)
        assert spec.blocking and spec.partitions_def is not None
    raw = [k for k in graph.asset_check_keys if k.asset_key.to_user_string() == "raw/las_cld"]
    assert [graph.get_check_spec(k).blocking for k in raw] == [False]  # informs the gate; one bad
    # extract must not stop the other councils' publication


def _landing(root: Path, months: list[str], complete: bool = True) -> None:
    for month in months:
        (root / month).mkdir(parents=True)
        for name in expected_files(month)[: None if complete else -1]:
            (root / month / name).write_text("x\n")


def test_the_sensor_asks_for_a_catch_up_of_six_months_once_as_one_run(defs: dg.Definitions, tmp_path: Path) -> None:
    land = tmp_path / "E06000023"
    _landing(land, MONTHS_6)
    _landing(land, ["2024-04"], complete=False)  # a file still to come
    sensor = defs.resolve_sensor_def("landing_sensor")
    landing = LandingResource(landing=str(land))
    with dg.instance_for_test() as instance:
        first = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, resources={"landing": landing}))
        [request] = first.run_requests
        assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("E06000023|2023-10", "E06000023|2024-03")
        added = {r.partitions_def_name: list(r.partition_keys) for r in first.dynamic_partitions_requests}
        assert added == {COUNCILS: ["E06000023"], MONTHS: MONTHS_6}
        for name, keys in added.items():
            instance.add_dynamic_partitions(name, keys)
        again = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor, instance=instance,
                                                             resources={"landing": landing}))
        assert again.run_requests == []  # same files: no second run
        (land / "2024-04" / expected_files("2024-04")[-1]).write_text("x\n")  # the last file arrives
        third = sensor.evaluate_tick(dg.build_sensor_context(cursor=again.cursor, instance=instance,
                                                             resources={"landing": landing}))
        [request] = third.run_requests
        assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("E06000023|2024-04", "E06000023|2024-04")
        assert len(json.loads(third.cursor)) == 7


def test_the_sensor_asks_for_a_region_s_new_month_as_one_run(defs: dg.Definitions, tmp_path: Path) -> None:
    for code in ("E06000022", "E06000023", "E06000024"):
        _landing(tmp_path / code, ["2024-03"])
    sensor = defs.resolve_sensor_def("landing_sensor")
    with dg.instance_for_test() as instance:
        result = sensor.evaluate_tick(dg.build_sensor_context(
            instance=instance, resources={"landing": LandingResource(landing=str(tmp_path))}))
    [request] = result.run_requests
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("E06000022|2024-03", "E06000024|2024-03")


def test_the_schedule_refreshes_the_month_just_closed_for_every_council_that_delivered_it(
        defs: dg.Definitions, tmp_path: Path) -> None:
    schedule = defs.resolve_schedule_def("monthly_refresh_schedule")
    assert schedule.cron_schedule == "0 6 5 * *"
    for code, months in (("E06000022", ["2024-02", "2024-03"]), ("E06000023", ["2024-03"]), ("E06000024", ["2024-02"])):
        _landing(tmp_path / code, months)
    with dg.instance_for_test() as instance:
        ctx = dg.build_schedule_context(instance=instance, scheduled_execution_time=datetime(2024, 4, 5, 6, 0),
                                        resources={"landing": LandingResource(landing=str(tmp_path))})
        result = schedule.evaluate_tick(ctx)
        assert instance.get_dynamic_partitions(MONTHS) == ["2024-03"]
    [request] = result.run_requests
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("E06000022|2024-03", "E06000023|2024-03")


def test_the_instance_queues_one_warehouse_writer_at_a_time(tmp_path: Path) -> None:
    instance = open_instance(tmp_path / "dagster")
    assert (tmp_path / "dagster" / "dagster.yaml").is_file()
    limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
    assert {"key": WRITES_TAG, "value": WRITES_VALUE, "limit": 1} in limits
    assert not instance.telemetry_enabled


def test_a_run_left_in_progress_by_a_dead_process_is_marked_failed(tmp_path: Path) -> None:
    instance = open_instance(tmp_path / "dagster")
    run = instance.create_run_for_job(dg.GraphDefinition("g").to_job(name="monthly_refresh"),
                                      status=dg.DagsterRunStatus.STARTED)
    queued = instance.create_run_for_job(dg.GraphDefinition("g").to_job(name="monthly_refresh"))
    assert fail_abandoned_runs(instance, "monthly_refresh") == [run.run_id]
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id(queued.run_id).status == dg.DagsterRunStatus.NOT_STARTED


def test_a_second_writer_is_refused_with_who_holds_the_warehouse(tmp_path: Path) -> None:
    warehouse = tmp_path / "ascw.duckdb"
    with warehouse_lock(warehouse, wait=False, holder="Dagster run abc, pid 1"):
        with pytest.raises(WarehouseBusy, match=r"another refresh is writing .* \(Dagster run abc, pid 1\)"):
            acquire_lock(warehouse, wait=False, holder="second")
    release_lock(acquire_lock(warehouse, wait=False, holder="third"))  # free again


def test_a_waiting_writer_starts_when_the_first_one_ends(tmp_path: Path) -> None:
    warehouse = tmp_path / "ascw.duckdb"
    first = acquire_lock(warehouse, wait=False, holder="first")
    order: list[str] = []

    def second() -> None:
        lock = acquire_lock(warehouse, wait=True, holder="second")
        order.append("second writes")
        release_lock(lock)

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.5)
    order.append("first ends")
    release_lock(first)
    thread.join(10)
    assert order == ["first ends", "second writes"]


def test_a_refresh_that_finds_the_warehouse_held_exits_3_saying_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from orchestration.cli import main

    _landing(tmp_path / "landing", ["2024-03"])
    warehouse = tmp_path / "wh" / "ascw.duckdb"
    with warehouse_lock(warehouse, wait=False, holder="ascw refresh, pid 42"):
        code = main(["refresh", "--month", "2024-03", "--council", "E06000023", "--landing", str(tmp_path / "landing"),
                     "--warehouse", str(warehouse), "--exports", str(tmp_path / "x")])
    assert code == 3
    err = capsys.readouterr().err
    assert "ascw: another refresh is writing the warehouse" in err and "pid 42" in err and "--wait" in err
    assert "Traceback" not in err and not warehouse.exists()
