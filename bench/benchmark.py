"""Benchmark: 1, 10 and 50 councils, a 36-month backfill and the latest month's refresh.

    python bench/benchmark.py [--councils 1 10 50] [--months 36] [--workers 2] [--repeats 1]
                              [--runner region|region-each|process] [--out DIR]

For each scale it generates the councils (`ascw-generate --councils N`), then runs the real
refresh (through Dagster) for every council: one `ascw refresh` for one council; for several, one
`ascw refresh-region` (`--runner region`, the default: one process, forked children per council,
one shared dbt build; `--runner region-each`: the same with a dbt build per council) or one
`ascw refresh` child process per council (`--runner process`):
  1. backfill: every month but the latest (`--all` over months 1..N-1),
  2. monthly: the latest month alone (what the scheduled refresh does each month),
and prints per stage (load, validate, dbt, gate, publish; taken from the refresh's own progress
lines) the wall time, the peak memory of the refresh process tree (wait4 rusage), rows per
second (rows loaded / wall time) and the CPU seconds of the tree (user + system). As the floor,
after each phase it times plain DuckDB SQL producing the same marts on a copy of each refreshed warehouse (as many at a time as refreshes): the months' CSVs read with DuckDB's
CSV reader, then every dbt model's compiled SQL in dependency order, with no dbt, Dagster,
checks, tests or publishing (`floor_seconds`); the refresh's cost is reported as a multiple of
its wall clock and of its CPU seconds (the floor runs in this process's threads).

Councils are refreshed `--workers` at a time (each has its own warehouse): all backfills, then
all monthly refreshes, each phase's wall clock printed beside the floor's. `--repeats N` runs the
monthly phase N times, each from the state the backfill left (restored at the same paths, so dbt's
partial parse holds as in production), and prints the median and range of its wall clock; the
floor is timed on the first repeat. With several councils refreshed one dbt build each
(`region-each`, `process`), it ends with the shared-build probe (`shared_build_probe`): every
council's raw tables combined into one region warehouse and built by one `dbt build` with the
council key, its CPU printed per council and its marts checked against each council's own.
Nothing here is a test: it prints figures; the targets and the latest figures are in README.md,
earlier ones in docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

BIN = Path(sys.executable).parent
PROGRESS = re.compile(r"^\[\s*([\d.]+)s\]\s+(\w+)\s")


@dataclass
class Run:
    wall: float
    peak_mb: float
    stages: dict[str, float]
    rows: int
    rc: int
    cpu: float = 0.0  # user + system CPU seconds of the refresh's process tree


@dataclass
class Totals:
    wall: float = 0.0
    peak_mb: float = 0.0
    rows: int = 0
    stages: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    failed: int = 0
    floor: float = 0.0  # seconds of plain-SQL floor, summed over councils (set by the phase)
    cpu: float = 0.0
    floor_cpu: float = 0.0  # CPU seconds of the floor (set by the phase)

    def add(self, r: Run) -> None:
        self.wall += r.wall
        self.peak_mb = max(self.peak_mb, r.peak_mb)
        self.cpu += r.cpu
        self.rows += r.rows
        self.failed += r.rc != 0
        for k, v in r.stages.items():
            self.stages[k] += v


def stage_times(stderr: str, total: float) -> dict[str, float]:
    """Seconds per stage from the refresh's progress lines: the time up to each line is
    charged to that line's stage (load/validate/dbt/gate/publish). A clock that goes back starts
    a new part (a region council's log holds its "sources" stage, then its "models" stage, each
    timed from its own start); what no line accounts for is "other"."""
    out: dict[str, float] = defaultdict(float)
    last = charged = 0.0
    for line in stderr.splitlines():
        m = PROGRESS.match(line)
        if not m:
            continue
        t, stage = float(m.group(1)), m.group(2)
        if t < last:
            last = 0.0
        out[stage] += t - last
        charged += t - last
        last = t
    out["other"] += max(total - charged, 0.0)
    return dict(out)


def region_build_seconds(stderr: str) -> float:
    """Wall seconds of `refresh-region`'s shared dbt build (combining the councils' raw tables
    included), from its progress lines: "one dbt build for N council(s)" to the next region line."""
    started = None
    for line in stderr.splitlines():
        m = PROGRESS.match(line)
        if not m or m.group(2) != "region":
            continue
        if "one dbt build for" in line:
            started = float(m.group(1))
        elif started is not None:
            return float(m.group(1)) - started
    return 0.0


def _wait(cmd: list[str], env: dict[str, str] | None = None) -> tuple[int, float, float, float, str, str]:
    """Run `cmd` (with `env` added to this process's environment); its exit code, wall seconds,
    peak RSS in MB of its process tree (wait4 rusage: the largest of it and its children, e.g.
    dbt), user + system CPU seconds of the tree (every descendant that was waited for), stdout
    and stderr."""
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}", **(env or {}))
    t0 = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - t0
        out.seek(0), err.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return os.waitstatus_to_exitcode(status), wall, usage.ru_maxrss / 1024, cpu, out.read(), err.read()


def run_refresh(landing: Path, work: Path, which: list[str]) -> Run:
    """One council by `ascw refresh` in its own process."""
    rc, wall, peak, cpu, out_text, err_text = _wait(
        [str(BIN / "ascw"), "refresh", *which, "--landing", str(landing),
         "--warehouse", str(work / "warehouse" / "ascw.duckdb"), "--exports", str(work / "exports")])
    if rc:
        sys.stderr.write(f"refresh {which} for {landing} exited {rc}:\n{out_text[-2000:]}\n")
    return Run(wall, peak, stage_times(err_text, wall), _rows_loaded(work / "warehouse" / "ascw.duckdb"), rc, cpu)


REGION_LINE = re.compile(r"^(\S+)\s+(published|blocked|usage error|warehouse busy|exit -?\d+)\s+([\d.]+)\s")


def region_summary(stdout: str) -> list[tuple[str, str, float]]:
    """(council, outcome, seconds) of each council line of `ascw refresh-region`'s summary."""
    return [(m.group(1), m.group(2), float(m.group(3)))
            for m in map(REGION_LINE.match, stdout.splitlines()) if m and m.group(1) != "Council"]


def run_region(root: Path, work_root: Path, which: list[str], workers: int,
               build: str = "shared") -> tuple[float, list[Run]]:
    """Every council under `root` by one `ascw refresh-region --build <build>` (imports once, forks
    children per council; `shared`: one dbt build for all): the command's wall clock and one Run
    per council from its summary line and log (peak memory: the largest process of the tree,
    shared by all; the command's CPU time split evenly between the councils)."""
    rc, wall, peak, cpu, out_text, err_text = _wait(
        [str(BIN / "ascw"), "refresh-region", *which, "--landing-root", str(root), "--work", str(work_root),
         "--jobs", str(workers), "--build", build])
    for line in err_text.splitlines():  # how the region build went: clean, or why each built its own
        if "] region " in line:
            print(f"    refresh-region {' '.join(which)}: {line.strip()}")
    runs = []
    summary = region_summary(out_text)
    build = region_build_seconds(err_text)
    for name, outcome, seconds in summary:
        work = work_root / name
        log = (work / "refresh.log").read_text(errors="replace") if (work / "refresh.log").exists() else ""
        code = 0 if outcome == "published" else 1
        stages = stage_times(log, seconds)
        if build:  # the shared build's wall, split evenly: summed over the councils, it is the build's
            stages["region"] = build / len(summary)
        runs.append(Run(seconds, peak, stages, _rows_loaded(work / "warehouse" / "ascw.duckdb"), code,
                        cpu / len(summary)))
    if rc or not runs:
        sys.stderr.write(f"refresh-region {which} for {root} exited {rc}:\n{out_text[-2000:]}\n{err_text[-2000:]}\n")
    return wall, runs


def _own_cpu() -> float:
    """User + system CPU seconds of this process so far (the floor runs in its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rows_loaded(warehouse: Path) -> int:
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
        n = con.execute("select coalesce(sum(rows_loaded), 0) from raw._load_log").fetchone()[0]
        con.close()
        return int(n)
    except duckdb.Error:
        return 0


def model_order(manifest: dict) -> list[dict]:
    """The project's models in dependency order (parents first)."""
    models = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    done: set[str] = set()
    order: list[dict] = []

    def visit(key: str) -> None:
        if key in done or key not in models:
            return
        done.add(key)
        for parent in models[key]["depends_on"]["nodes"]:
            visit(parent)
        order.append(models[key])

    for key in sorted(models):
        visit(key)
    return order


PLACEHOLDER_COUNCIL = "E99999999"  # not an ONS code; compiled SQL uses the code as a literal only
_TEMPLATE: dict[str, str | None] = {}  # the manifest compiled once for PLACEHOLDER_COUNCIL, as JSON text
_TEMPLATE_LOCK = threading.Lock()  # council_manifest runs in a thread pool


def compiled_template(scratch: Path) -> str | None:
    """The dbt project's manifest with every model compiled for PLACEHOLDER_COUNCIL (once per
    benchmark: a compile costs ~10 s, 8 min for 50 councils), against an empty DuckDB file."""
    with _TEMPLATE_LOCK:
        if "text" not in _TEMPLATE:  # a failed compile is not tried again for every council
            _TEMPLATE["text"] = _compile_template(scratch)
        return _TEMPLATE["text"]


def _compile_template(scratch: Path) -> str | None:
    project, target = Path(__file__).resolve().parent.parent / "dbt_project", scratch / "floor_dbt"
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [str(BIN / "dbt"), "compile", "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(target), "--log-path", str(target)],
        env=dict(os.environ, ASCW_WAREHOUSE=str(target / "ascw.duckdb"), ASCW_COUNCIL=PLACEHOLDER_COUNCIL),
        capture_output=True, text=True)
    if done.returncode or not (target / "manifest.json").exists():
        sys.stderr.write(f"floor: dbt compile exited {done.returncode}\n{done.stdout[-2000:]}\n")
        return None
    text = (target / "manifest.json").read_text()
    shutil.rmtree(target)
    return text


def council_manifest(work: Path) -> dict | None:
    """The manifest (with every model's SQL compiled for this council) of the council's last dbt
    build; a council that adopted a shared region build has none of its own, so it gets the
    project compiled once (``compiled_template``) with its code in place of the placeholder
    (before the floor's clock starts: the floor times SQL only)."""
    runs = sorted((work / "warehouse" / "dbt").glob("run-*"), key=lambda p: p.stat().st_mtime)
    if runs and (runs[-1] / "manifest.json").exists():
        return json.loads((runs[-1] / "manifest.json").read_text())
    from orchestration.defs.resources import council_of_extracts

    con = duckdb.connect(str(work / "warehouse" / "ascw.duckdb"), read_only=True)
    try:
        council = council_of_extracts(con)
    finally:
        con.close()
    template = compiled_template(work.parent)
    return None if template is None else json.loads(template.replace(PLACEHOLDER_COUNCIL, council))


def floor_seconds(work: Path, landing: Path, months: list[str], manifest: dict | None) -> float:
    """The floor: the same marts by plain DuckDB SQL, nothing else. On a copy of the warehouse
    the refresh just built: read the months' extract CSVs into tables with DuckDB's CSV reader
    (the load's parsing work), then run every dbt model's compiled SQL as `create or replace
    table` in dependency order (the whole build's data work). No dbt, Dagster, pseudonymisation,
    checks, tests or publishing. `manifest`: council_manifest's."""
    if manifest is None:
        return float("nan")
    warehouse = work / "warehouse" / "ascw.duckdb"
    copy = work / "floor" / "ascw.duckdb"  # same catalog name: the compiled SQL says "ascw"."marts"...
    copy.parent.mkdir(exist_ok=True)
    shutil.copyfile(warehouse, copy)
    t0 = time.monotonic()
    con = duckdb.connect(str(copy))
    con.execute("SET enable_progress_bar = false")
    con.execute("create schema if not exists floor_extracts")
    for month in months:
        for i, csv in enumerate(sorted((landing / month).glob("*.csv"))):
            con.execute(f"create or replace table floor_extracts.f_{month.replace('-', '_')}_{i} as "
                        f"select * from read_csv('{csv}', all_varchar=true, header=true)")
    for node in model_order(manifest):
        con.execute(f"create or replace table {node['relation_name']} as {node['compiled_code']}")
    con.close()
    elapsed = time.monotonic() - t0
    shutil.rmtree(copy.parent)
    return elapsed


def shared_build_probe(works: dict[str, Path], probe: Path) -> None:
    """The shared build: every council's raw tables (as the monthly refresh left them) combined
    into one region warehouse (orchestration/region_warehouse.py) and built by one `dbt build` with
    the council key (ASCW_MULTI_COUNCIL=1); printed with its CPU per council, to set beside the
    refreshes' dbt stage, and a check that each council's marts equal those its own refresh built."""
    from orchestration.region_warehouse import MULTI_COUNCIL_ENV, attach_env, combine_councils, mart_digests

    probe.mkdir(parents=True, exist_ok=True)
    region = probe / "ascw.duckdb"
    own = {code: work / "warehouse" / "ascw.duckdb" for code, work in works.items()}
    t0, cpu0 = time.monotonic(), _own_cpu()
    attachments = combine_councils(region, own)
    combine_wall, combine_cpu = time.monotonic() - t0, _own_cpu() - cpu0
    project = Path(__file__).resolve().parent.parent / "dbt_project"
    rc, wall, peak, cpu, out_text, _ = _wait(
        [str(BIN / "dbt"), "build", "--exclude-resource-type", "unit_test",
         "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(probe / "target"), "--log-path", str(probe / "logs")],
        env={"ASCW_WAREHOUSE": str(region), MULTI_COUNCIL_ENV: "1", **attach_env(attachments)})
    same = rc == 0 and all(mart_digests(region, code) == mart_digests(path) for code, path in own.items())
    n = len(works)
    print(f"shared dbt build probe ({n} councils in one warehouse): combine raw {combine_wall:.1f}s "
          f"({combine_cpu:.1f}s CPU), dbt build wall {wall:.1f}s, CPU {cpu:.1f}s ({cpu / n:.1f}s per council), "
          f"peak {peak:.0f} MB, exit {rc}; every council's marts equal its own refresh's: {same}")
    if rc:
        sys.stderr.write(out_text[-3000:] + "\n")
    if not same:
        return  # the region warehouse is kept for a look at what differs
    shutil.rmtree(probe)


def landings_of(out: Path) -> list[Path]:
    if any(out.glob("20??-??")):
        return [out]
    return sorted(p for p in out.iterdir() if p.is_dir() and any(p.glob("20??-??")))


def bench_scale(n: int, months: int, workers: int, base: Path, repeats: int = 1, runner: str = "region") -> None:
    gen_dir = base / f"councils_{n}"
    t0 = time.monotonic()
    subprocess.run([str(BIN / "ascw-generate"), "--out", str(gen_dir), "--months", str(months),
                    "--councils", str(n)], check=True, stdout=subprocess.DEVNULL)
    gen_s = time.monotonic() - t0
    landings = landings_of(gen_dir)
    all_months = sorted(p.name for p in landings[0].glob("20??-??"))
    latest = all_months[-1]
    backfill = Totals()
    works = {landing: base / f"work_{n}" / landing.name for landing in landings}

    region = runner in ("region", "region-each") and n > 1

    def refresh_all(which: list[str]) -> tuple[float, list[Run]]:
        """Every council refreshed, `workers` at a time; the wall clock and one Run each."""
        if region:
            return run_region(gen_dir, base / f"work_{n}", which, workers,
                              "each" if runner == "region-each" else "shared")
        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            runs = list(pool.map(lambda ld: run_refresh(ld, works[ld], which), landings))
        return time.monotonic() - t0, runs

    def backfill_all() -> tuple[float, list[Run]]:
        held = base / f"held_{n}"  # the latest month arrives after the backfill
        for ld in landings:
            (held / ld.name).mkdir(parents=True, exist_ok=True)
            shutil.move(str(ld / latest), held / ld.name / latest)
        try:
            return refresh_all(["--all"])
        finally:
            for ld in landings:
                shutil.move(str(held / ld.name / latest), ld / latest)

    def monthly_all() -> tuple[float, list[Run]]:
        return refresh_all(["--month", latest])

    def phase(refresh, totals: Totals, floor_months: list[str], floor: bool = True) -> tuple[float, float]:
        """Refresh every council, then the floor on each refreshed warehouse (`workers` at a
        time); the two wall clocks (floor NaN when not timed)."""
        wall, runs = refresh()
        for r in runs:
            totals.add(r)
        if not floor:
            return wall, float("nan")
        with ThreadPoolExecutor(max_workers=workers) as pool:
            manifests = dict(zip(landings, pool.map(lambda ld: council_manifest(works[ld]), landings)))
        t0, cpu0 = time.monotonic(), _own_cpu()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            totals.floor = sum(pool.map(lambda ld: floor_seconds(works[ld], ld, floor_months, manifests[ld]), landings))
        totals.floor_cpu = _own_cpu() - cpu0
        return wall, time.monotonic() - t0

    phases = [(f"backfill {len(all_months) - 1} months", backfill, *phase(backfill_all, backfill, all_months[:-1]))]
    # folder -> its copy as the backfill left it; the region warehouse too: it holds the region
    # build's incremental state (orchestration/shared_build.py)
    kept = {works[ld]: works[ld].with_name(works[ld].name + ".after-backfill") for ld in landings}
    if region:
        region_dir = base / f"work_{n}" / "_region"
        kept[region_dir] = region_dir.with_name("_region.after-backfill")
    if repeats > 1:
        for path, copy in kept.items():
            shutil.copytree(path, copy)
    monthly_walls: list[float] = []
    for i in range(repeats):
        if i:  # back to the state the backfill left, at the same paths
            for path, copy in kept.items():
                shutil.rmtree(path)
                shutil.copytree(copy, path)
        label = f"monthly refresh {latest}" + (f" (repeat {i + 1}/{repeats})" if repeats > 1 else "")
        monthly = Totals()
        wall, floor_wall = phase(monthly_all, monthly, [latest], floor=i == 0)
        monthly_walls.append(wall)
        phases.append((label, monthly, wall, floor_wall))
    how = "one `ascw refresh-region`" if region else "`ascw refresh` per council"
    print(f"\n=== {n} council(s), {months} months (generated in {gen_s:.1f}s; {how}, {workers} at a time) ===")
    for label, t, wall, floor_wall in phases:
        print(f"{label}: wall {wall:.1f}s for {n} council(s) ({t.wall / n:.1f}s of refresh time per council), "
              f"peak {t.peak_mb:.0f} MB per refresh, {t.rows / max(t.wall, 1e-9):,.0f} rows/s, failed runs: {t.failed}")
        for stage in ("load", "validate", "dbt", "gate", "publish", "refresh", "other"):
            if stage in t.stages:
                print(f"    {stage:<9} {t.stages[stage]:8.1f}s")
        if "region" in t.stages:  # not in any council's seconds: they wait for it between their stages
            print(f"    region build {t.stages['region']:.1f}s (one shared dbt build, between the councils' stages)")
        print(f"    CPU (user + system, whole process tree): {t.cpu:.1f}s ({t.cpu / n:.1f}s per council)")
        if floor_wall == floor_wall:  # not NaN: timed in this phase
            print(f"    floor: the same marts by plain DuckDB SQL, wall {floor_wall:.1f}s "
                  f"({t.floor / n:.1f}s per council); refresh wall / floor wall = {wall / max(floor_wall, 1e-9):.1f}x")
            print(f"    floor CPU {t.floor_cpu:.1f}s; refresh CPU / floor CPU = {t.cpu / max(t.floor_cpu, 1e-9):.1f}x")
    if repeats > 1:
        walls = sorted(monthly_walls)
        print(f"monthly refresh wall over {repeats} repeats: median {statistics.median(walls):.1f}s "
              f"(min {walls[0]:.1f}s, max {walls[-1]:.1f}s)")
    if n > 1 and runner != "region":  # the region runner's own build is the shared one
        shared_build_probe({ld.name: works[ld] for ld in landings}, base / f"shared_probe_{n}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--councils", type=int, nargs="+", default=[1, 10, 50])
    p.add_argument("--months", type=int, default=36)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--repeats", type=int, default=1, help="runs of the monthly phase (median and range printed)")
    p.add_argument("--runner", choices=["region", "region-each", "process"], default="region",
                   help="several councils: one `ascw refresh-region` with one shared dbt build (default), "
                   "the same with a dbt build per council (region-each), or one `ascw refresh` process each")
    p.add_argument("--out", type=Path, default=None, help="work folder (default: a temporary one)")
    args = p.parse_args(argv)
    base = args.out or Path(tempfile.mkdtemp(prefix="ascw-bench-"))
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, python {platform.python_version()}, "
          f"duckdb {duckdb.__version__}; work folder {base}")
    for n in args.councils:
        bench_scale(n, args.months, args.workers, base, args.repeats, args.runner)
    return 0


if __name__ == "__main__":
    sys.exit(main())
