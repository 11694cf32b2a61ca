"""Three councils, one warehouse, end to end through `ascw refresh-region` (issues 25 and 26).

One of the three delivers a broken extract: its council-month is blocked with its reason, the other
two publish, and a published pack is byte for byte the pack its council gets when refreshed alone
(manifest aside: it names the run's files and times). The run is in the warehouse's Dagster instance, and
the failed council-month is then retried alone through Dagster's own API, without touching the
others.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from orchestration.cli import main as ascw
from pipeline_helpers import tree_digest

pytestmark = pytest.mark.slow
MONTH = "2024-03"
# Three of the South West's smaller councils (Bath and North East Somerset, North Somerset, Torbay:
# ~540,000 people together, the size of Bristol and a half; the suite's other end-to-end council
# is Bristol), the last one broken.
COUNCILS = ("E06000022", "E06000024", "E06000027")
BROKEN = "E06000027"


def _without_column(path: Path, column: str) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    i = rows[0].index(column)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([r[:i] + r[i + 1:] for r in rows])


def _packs(exports: Path) -> dict[str, str]:
    return {k: v for k, v in tree_digest(exports).items() if not k.endswith("manifest.json")}


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from sources.generator.cli import main as generate

    tmp = tmp_path_factory.mktemp("region")
    landing = tmp / "landing"
    for council in COUNCILS:  # as `ascw-generate --councils N` lays them out: one folder per council
        assert generate(["--out", str(landing / council), "--council", council, "--months", "1",
                         "--end-month", MONTH, "--seed", "11", "-q"]) == 0
    assert sorted(p.name for p in landing.iterdir()) == list(COUNCILS)
    cld = landing / BROKEN / MONTH / f"las_cld_{MONTH}.csv"
    shutil.copy(cld, tmp / "cld.good")
    _without_column(cld, "Event Reference")
    (landing / "notes").mkdir()  # not a council folder: named, not read
    # a second extract and a misnamed month folder in a council's folder: named, never read
    (landing / COUNCILS[0] / MONTH / f"las_cld_{MONTH} (corrected).csv").write_text("x\n")
    (landing / COUNCILS[0] / MONTH.replace("-0", "-")).mkdir()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = ascw(["refresh-region", "--month", MONTH, "--landing-root", str(landing),
                     "--warehouse", str(tmp / "wh" / "ascw.duckdb"), "--exports", str(tmp / "exports")])
    return {"tmp": tmp, "landing": landing, "code": code, "cld": cld, "stderr": err.getvalue()}


def test_the_broken_council_month_is_blocked_with_its_reason_and_the_others_publish(
        region: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    tmp: Path = region["tmp"]  # type: ignore[assignment]
    assert region["code"] == 1
    exports = tmp / "exports"
    assert sorted(p.name for p in exports.iterdir()) == list(COUNCILS[:2])
    for council in COUNCILS[:2]:
        assert (exports / council / MONTH / "manifest.json").is_file()
    report = (tmp / "wh" / "dq_reports" / BROKEN / f"{MONTH}.html").read_text(encoding="utf-8")
    assert "Event Reference" in report and "Blocked" in report


def test_unexpected_files_and_folders_are_named_on_stderr_and_in_the_manifest(region: dict[str, object]) -> None:
    tmp: Path = region["tmp"]  # type: ignore[assignment]
    err: str = region["stderr"]  # type: ignore[assignment]
    stray, misnamed = f"las_cld_{MONTH} (corrected).csv", MONTH.replace("-0", "-")
    assert stray in err and misnamed in err and "notes" in err, err
    manifest = json.loads((tmp / "exports" / COUNCILS[0] / MONTH / "manifest.json").read_text())
    assert manifest["unexpected_files"] == [f"{MONTH}/{stray}", f"{misnamed}/"]


def test_a_published_pack_equals_the_pack_of_the_council_refreshed_alone(
        region: dict[str, object], tmp_path: Path) -> None:
    """One council refreshed alone (the smaller one: each refresh costs ~1 min of the suite's
    CI budget). That every council of a shared warehouse gets exactly the marts of a warehouse of
    its own, for two councils whose keys all collide, is tests/test_multi_council_build.py."""
    tmp: Path = region["tmp"]  # type: ignore[assignment]
    landing: Path = region["landing"]  # type: ignore[assignment]
    council = "E06000022"
    alone = tmp_path / council
    assert ascw(["refresh", "--month", MONTH, "--landing", str(landing / council),
                 "--warehouse", str(alone / "wh" / "ascw.duckdb"), "--exports", str(alone / "exports")]) == 0
    assert _packs(alone / "exports") == _packs(tmp / "exports" / council), council


def test_the_run_is_in_the_instance_and_the_failed_council_month_is_retried_alone(region: dict[str, object]) -> None:
    from orchestration.definitions import build_definitions
    from orchestration.defs.publication import GATE_KEY, PACK_KEY
    from orchestration.defs.resources import resources_for
    from orchestration.settings import load_settings

    tmp: Path = region["tmp"]  # type: ignore[assignment]
    instance = dg.DagsterInstance.from_config(str(tmp / "wh" / "dagster"))
    assert instance.get_dynamic_partitions("councils") == list(COUNCILS)
    [failed] = instance.get_runs(filters=dg.RunsFilter(job_name="monthly_refresh"))
    assert failed.status == dg.DagsterRunStatus.FAILURE  # a blocking gate check failed
    keys = [f"{c}|{MONTH}" for c in COUNCILS]
    assert set(instance.get_materialized_partitions(dg.AssetKey(["raw", "las_cld"]))) == set(keys)
    assert set(instance.get_materialized_partitions(PACK_KEY)) == set(keys[:2])
    gate = {r.event.asset_check_evaluation.partition: r.status.value for r in
            instance.event_log_storage.get_asset_check_execution_history(dg.AssetCheckKey(GATE_KEY, "source_gates"), limit=10)}
    assert gate == {keys[0]: "SUCCEEDED", keys[1]: "SUCCEEDED", keys[2]: "FAILED"}

    # The extract is corrected, and the council-month retried on its own from Dagster's API.
    shutil.copy(tmp / "cld.good", region["cld"])  # type: ignore[arg-type]
    before = {c: tree_digest(tmp / "exports" / c) for c in COUNCILS[:2]}
    settings = load_settings().with_overrides(landing=region["landing"], warehouse=tmp / "wh" / "ascw.duckdb",
                                              exports=tmp / "exports", layout="region")
    job = build_definitions(resources_for(settings)).resolve_job_def("monthly_refresh")
    retry = job.execute_in_process(partition_key=f"{BROKEN}|{MONTH}", instance=instance, raise_on_error=False)
    assert retry.success
    assert (tmp / "exports" / BROKEN / MONTH / "manifest.json").is_file()
    assert {c: tree_digest(tmp / "exports" / c) for c in COUNCILS[:2]} == before
    assert set(instance.get_materialized_partitions(PACK_KEY)) == set(keys)
    assert [e.partition_key for e in instance.fetch_materializations(PACK_KEY, limit=10).records
            if e.run_id == retry.run_id] == [f"{BROKEN}|{MONTH}"]
