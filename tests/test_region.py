"""`ascw refresh-region`: every council of a landing root refreshed from one process.

The pure parts are tested on their own; one end-to-end test runs the real command (as a
subprocess: it forks) on two generated councils, one with a file missing, and checks that each
council gets exactly what `ascw refresh` would give it, through the shared dbt build
(orchestration/shared_build.py), and that a bad council blocks only itself.
"""
from __future__ import annotations

import os
import subprocess
import sys
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration import region
from orchestration.dbt_incremental import project_fingerprint, recorded_fingerprint
from orchestration.settings import DBT_PROJECT_DIR, load_settings
from pipeline_helpers import Site, council_env_kept, mart_digests

MONTH = "2024-03"


def _landing(root: Path, name: str, months: list[str]) -> Path:
    for m in months:
        (root / name / m).mkdir(parents=True)
    return root / name


def test_council_runs_are_the_subfolders_holding_month_folders(tmp_path: Path) -> None:
    root = tmp_path / "land"
    _landing(root, "E06000023", [MONTH])
    _landing(root, "E06000022", ["2024-02", MONTH])
    (root / "notes").mkdir()  # no month folders: not a council
    (root / "readme.txt").write_text("x")
    runs = region.council_runs(root, tmp_path / "work")
    assert [r.name for r in runs] == ["E06000022", "E06000023"]
    assert runs[0].landing == (root / "E06000022").resolve()
    assert runs[0].work == (tmp_path / "work" / "E06000022").resolve()
    assert runs[0].log == runs[0].work / "refresh.log"
    assert region.council_runs(tmp_path / "missing", tmp_path / "work") == []


def test_a_council_s_settings_are_its_own_paths_and_never_a_shared_council_code(tmp_path: Path) -> None:
    base = load_settings({"ASCW_COUNCIL": "E06000023"})
    run = region.CouncilRun("E06000022", tmp_path / "land" / "E06000022", tmp_path / "work" / "E06000022")
    s = run.settings(base)
    assert s.landing == run.landing
    assert s.warehouse == run.work / "warehouse" / "ascw.duckdb"
    assert s.exports == run.work / "exports"
    assert s.council is None  # from the council's own extracts
    assert s.start_month == base.start_month


def test_partitions_start_at_the_earliest_month_any_council_needs() -> None:
    assert region.earliest_month([["2020-01", "2020-02"], ["2019-11"]], "2021-04") == "2019-11"
    assert region.earliest_month([["2024-03"], []], "2021-04") == "2021-04"
    assert region.earliest_month([], "2021-04") == "2021-04"


def test_summary_and_exit_code() -> None:
    results = [
        region.CouncilResult("E06000022", 0, 21.04, Path("/w/E06000022/refresh.log")),
        region.CouncilResult("E06000023", 1, 19.5, Path("/w/E06000023/refresh.log")),
    ]
    text = region.summarise_region(results, 40.0)
    assert "E06000022    published" in text and "E06000023    blocked" in text
    assert "21.0" in text and "/w/E06000023/refresh.log" in text
    assert "1 of 2 council(s)" in text
    assert region.exit_code(results) == 1
    assert region.exit_code(results[:1]) == 0
    assert region.exit_code([]) == 2
    assert region.CouncilResult("x", 3, 0.0, Path("l")).outcome == "warehouse busy"


def _fake_child(run: region.CouncilRun, base, months: list[str]) -> region.CouncilResult:  # type: ignore[no-untyped-def]
    if run.name == "killed":
        os.kill(os.getpid(), signal.SIGKILL)  # dies without a result, as an out-of-memory kill would
    return region.CouncilResult(run.name, 0 if months == ["2024-03"] else 1, 0.0, run.log)


def test_forked_children_report_in_order_and_a_killed_one_does_not_stop_the_others(tmp_path: Path) -> None:
    names = ["a", "killed", "b", "c"]
    runs = [region.CouncilRun(n, tmp_path / n, tmp_path / "w" / n) for n in names]
    months = {"a": ["2024-03"], "killed": ["2024-03"], "b": ["2024-02"], "c": ["2024-03"]}
    results = region.run_forked(runs, months, load_settings({}), jobs=2, child=_fake_child)
    assert [(r.name, r.code) for r in results] == [("a", 0), ("killed", 128 + 9), ("b", 1), ("c", 0)]
    assert results[1].outcome == "exit 137" and region.exit_code(results) == 137


@pytest.fixture(scope="module")
def two_councils(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sources.generator.cli import main as gen

    root = tmp_path_factory.mktemp("region") / "land"
    # One month each: what is tested is which council gets what, not history (kept short: the
    # region run and the lone refresh it is compared with each load and build it).
    gen(["--out", str(root), "--months", "1", "--end-month", MONTH, "--councils", "2", "--seed", "11", "-q"])
    return root


@dataclass(frozen=True)
class StagedAlone:
    site: Site
    codes: tuple[int, int]  # what its "sources" and "models" stages returned
    published_after_sources: bool


@pytest.fixture(scope="module")
def good_alone(two_councils: Path, tmp_path_factory: pytest.TempPathFactory) -> StagedAlone:
    """The first council refreshed on its own in the two stages of a region run whose shared build
    is not adopted (orchestration/region.py): its "sources" stage, then its "models" stage with no
    shared build, which runs its own dbt build, gate and publishing. What a region run that adopts
    the build must match. (One refresh serves both tests: each costs ~30 s of the suite.)"""
    from orchestration.cli import STAGED, refresh
    from orchestration.shared_build import SHARED_BUILD_ENV

    good = sorted(p.name for p in two_councils.iterdir() if p.is_dir())[0]
    base = tmp_path_factory.mktemp("alone")
    site = Site(two_councils / good, base / "warehouse" / "ascw.duckdb", base / "exports")
    settings = load_settings({}).with_overrides(landing=site.landing, warehouse=site.warehouse, exports=site.exports)
    assert SHARED_BUILD_ENV not in os.environ
    # A module fixture runs outside conftest's per-test restore of the council settings; the
    # council's code comes from its extracts, as in a region run.
    with council_env_kept(clear=True):
        sources = refresh(settings, [MONTH], "sources")
        published = (site.exports / MONTH).exists()
        models = refresh(settings, [MONTH], "models") if sources == STAGED else -99
    return StagedAlone(site, (sources, models), published)


def test_each_council_is_refreshed_as_ascw_refresh_would_and_a_bad_one_blocks_only_itself(
    two_councils: Path, good_alone: StagedAlone, tmp_path: Path
) -> None:
    good, bad = sorted(p.name for p in two_councils.iterdir() if p.is_dir())
    assert good != "E06000023"  # not the demo council: its code must come from its extracts
    root = tmp_path / "land"
    shutil.copytree(two_councils, root)
    (root / bad / MONTH / f"controcc_payments_{MONTH}.csv").unlink()
    work = tmp_path / "work"
    bindir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k not in ("ASCW_COUNCIL", "ASCW_REGION", "ASCW_GX_VERDICTS")}
    done = subprocess.run(
        [str(bindir / "ascw"), "refresh-region", "--all", "--landing-root", str(root), "--work", str(work),
         "--jobs", "2", "--build", "shared"],
        capture_output=True, text=True, env=dict(env, PATH=f"{bindir}:{env['PATH']}"), timeout=900,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.startswith("E0")}
    assert "published" in lines[good] and "blocked" in lines[bad]
    assert "1 of 2 council(s)" in done.stdout

    # The good council: its month published (several months and a gap in the months found are
    # tested end to end in test_pipeline_e2e and test_hardening_pipeline) ...
    exports = work / good / "exports"
    assert sorted(p.name for p in exports.iterdir()) == [MONTH]
    assert (exports / MONTH / "manifest.json").exists()
    # ... its marts built for its own council (from its extracts), with its own region ...
    con = duckdb.connect(str(work / good / "warehouse" / "ascw.duckdb"), read_only=True)
    try:
        areas = dict(con.execute(
            "select area_type, area_code from marts.cqc_market_monthly group by all").fetchall())
    finally:
        con.close()
    assert areas["council"] == good and areas["england"] == "E92000001"
    assert areas["region"].startswith("E12")
    # ... and the same marts as a refresh of its own (its two stages run alone, its own dbt build).
    assert mart_digests(work / good / "warehouse" / "ascw.duckdb") == mart_digests(good_alone.site.warehouse)
    # It got them from the region's one dbt build (the bad council, stopped by its source gates,
    # was not in it), whose warehouse stays for next month's incremental build, with the project
    # that built it, which the council took with its tables.
    assert "region    one dbt build for 1 council(s)" in done.stderr and "region    clean" in done.stderr
    assert "rows of the region's dbt build" in (work / good / "refresh.log").read_text()
    fingerprint = project_fingerprint(DBT_PROJECT_DIR)
    for db in (work / "_region" / "ascw.duckdb", work / good / "warehouse" / "ascw.duckdb"):
        with duckdb.connect(str(db), read_only=True) as con:
            assert recorded_fingerprint(con) == fingerprint, db
    # The councils shared one store of GX verdicts, in the work folder, not beside a warehouse.
    assert list((work / "_gx_verdicts").glob("*.parquet"))
    assert not (work / good / "warehouse" / "gx_verdicts").exists()

    # The bad council: nothing published, the reason in its own log, its stages timed from its start.
    assert not (work / bad / "exports" / MONTH).exists()
    log = (work / bad / "refresh.log").read_text()
    assert f"controcc_payments_{MONTH}.csv" in log and "blocked" in log
    stamps = [float(line[1:line.index("]")].strip(" s")) for line in log.splitlines() if line.startswith("[")]
    seconds = float(lines[bad].split()[2])
    assert stamps and max(stamps) <= seconds + 0.5  # not counted from the parent's start (before its imports)


def test_a_council_whose_region_build_is_not_adopted_builds_its_own_in_the_models_stage(
    good_alone: StagedAlone,
) -> None:
    """The fallback of a region run whose shared build is not clean, with real dbt: the sources
    stage leaves the month open for dbt and publishes nothing; the models stage builds, passes
    its gate and publishes the whole pack."""
    from orchestration.cli import STAGED

    assert good_alone.codes == (STAGED, 0)
    assert not good_alone.published_after_sources
    exports = good_alone.site.exports / MONTH
    assert (exports / "manifest.json").exists()
    assert mart_digests(good_alone.site.warehouse)  # its own build's marts (compared with the region's above)
    assert {p.suffix for p in exports.iterdir()} >= {".csv", ".xlsx", ".json"}


def _staged_child(run: region.CouncilRun, base, months: list[str], stage: str = "all",  # type: ignore[no-untyped-def]
                  env: dict[str, str] | None = None) -> region.CouncilResult:
    """A council's child that says what it was asked: its sources stage is ready for dbt unless
    the council is "bad"; its models stage reports (in the log path) whether it adopted a build."""
    from orchestration.cli import STAGED
    from orchestration.shared_build import SHARED_BUILD_ENV

    if stage == "sources":
        return region.CouncilResult(run.name, 1 if run.name == "bad" else STAGED, 1.0, run.log)
    adopted = "adopted" if (env or {}).get(SHARED_BUILD_ENV) else "own build"
    return region.CouncilResult(run.name, 0, 2.0, Path(adopted))


@pytest.mark.parametrize("outcome", ["clean", "not clean", "raises"])
def test_a_shared_run_adopts_only_a_clean_build_and_never_builds_a_blocked_council(
    tmp_path: Path, outcome: str
) -> None:
    from orchestration.shared_build import SharedBuild

    names = ["a", "bad", "b"]
    runs = [region.CouncilRun(n, tmp_path / n, tmp_path / "w" / n) for n in names]
    built_for: list[list[str]] = []

    def builder(work: Path, warehouses: dict[str, Path], project: Path):  # type: ignore[no-untyped-def]
        built_for.append(sorted(warehouses))
        if outcome == "raises":
            raise OSError("No space left on device")
        return (SharedBuild(work / "_region" / "ascw.duckdb", work / "_region" / "dbt", "f" * 64), "clean") \
            if outcome == "clean" else (None, "not clean")

    base = load_settings({})
    results = region._refresh_shared(
        runs, {n: [MONTH] for n in names}, base, jobs=2, child=_staged_child,
        warehouses_of=lambda ready, _base: {r.name.upper(): r.settings(base).warehouse for r in ready},
        builder=builder)
    assert built_for == [["A", "B"]]  # the council stopped by its source gates is not in the build
    assert [(r.name, r.code) for r in results] == [("a", 0), ("bad", 1), ("b", 0)]
    expected = "adopted" if outcome == "clean" else "own build"
    assert [str(r.log) for r in results if r.name != "bad"] == [expected, expected]
    assert results[0].seconds == 3.0  # both stages


def test_a_warehouse_held_for_writing_is_left_out_of_the_region_build_not_the_region_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = load_settings({})
    runs = [region.CouncilRun(n, tmp_path / n, tmp_path / "w" / n) for n in ("free", "held")]
    for run, code in zip(runs, ("E06000022", "E06000023")):
        path = run.settings(base).warehouse
        path.parent.mkdir(parents=True)
        with duckdb.connect(str(path)) as con:
            con.execute('create schema raw; create table raw.las_cld ("LA Code" varchar)')
            con.execute("insert into raw.las_cld values (?)", [code])
    held = runs[1].settings(base).warehouse
    holder = subprocess.Popen(  # another refresh, or an analyst's read-write session
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]);"
         " print('ready', flush=True); time.sleep(600)", str(held)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        warehouses = region.council_warehouses(runs, base)
    finally:
        holder.kill()
        holder.wait()
    assert warehouses == {"E06000022": runs[0].settings(base).warehouse}
    err = capsys.readouterr().err
    assert "held left out of the region build" in err and str(held) in err
