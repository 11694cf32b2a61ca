"""Benchmark: N councils in one warehouse, a backfill of their history, then the latest month's refresh.

    python bench/benchmark.py [--councils 1 50 150] [--months 36 12 3] [--repeats 1] [--out DIR]

For each scale (`--councils` and `--months` pair up; one `--months` value serves every scale) it
generates the councils (`ascw-generate --councils N`), then runs the real refresh (Dagster on the
warehouse's persistent instance, GX, one dbt build, gates, publishing) into ONE warehouse: `ascw
refresh` for one council, `ascw refresh-region` for several:
  1. backfill: every month but the latest (`--all` over months 1..N-1: one Dagster run),
  2. monthly: the latest month alone (what the scheduled refresh and the sensor do each month),
and prints per stage (load, validate, dbt, publish; from the command's own progress lines) the wall
time, the peak memory of the refresh's process tree (wait4 rusage: the largest process, e.g. dbt),
its CPU seconds (user + system, the whole tree) and the disk the extracts and the warehouse take.

Beside each phase it times the **floor**: the same marts by plain DuckDB SQL on a copy of the
warehouse the refresh just built: the phase's extract CSVs read with DuckDB's CSV reader, then
every dbt model's compiled SQL (from the refresh's own dbt manifest) as `create or replace table`
in dependency order. No dbt, Dagster, pseudonymisation, checks, tests or publishing. The refresh's
cost is reported as a multiple of the floor's wall clock and CPU seconds, measured in the same run
(this machine's speed drifts). `--repeats N` runs the monthly phase N times from the state the
backfill left and prints the median and range.

At the end it prints the issue's targets beside the figures measured. Nothing here is a test: it
prints figures; the latest ones are in README.md, earlier ones in docs/BENCHMARKS.md.
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
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

BIN = Path(sys.executable).parent
PROGRESS = re.compile(r"^\[\s*([\d.]+)s\]\s+(\w+)\s")
# (councils, months of history) -> (wall seconds, peak GB, refresh CPU / floor CPU) of the monthly
# refresh (issue 25; None: no target).
TARGETS: dict[tuple[int, int], tuple[float, float, float | None]] = {
    (50, 12): (300.0, 8.0, 2.0),
    (150, 3): (600.0, 8.0, None),
    (1, 36): (20.0, 8.0, None),
}


@dataclass
class Phase:
    label: str
    wall: float
    peak_mb: float
    cpu: float
    rc: int
    stages: dict[str, float] = field(default_factory=dict)
    floor_wall: float = float("nan")
    floor_cpu: float = float("nan")


def stage_times(stderr: str, total: float) -> dict[str, float]:
    """Seconds per stage from the refresh's progress lines: the time up to each line is charged
    to that line's stage (load/validate/dbt/publish...); what no line accounts for is "other"."""
    out: dict[str, float] = defaultdict(float)
    last = 0.0
    for line in stderr.splitlines():
        m = PROGRESS.match(line)
        if not m:
            continue
        t, stage = float(m.group(1)), m.group(2)
        out[stage] += max(t - last, 0.0)
        last = max(t, last)
    out["other"] += max(total - last, 0.0)
    return dict(out)


def _wait(cmd: list[str]) -> tuple[int, float, float, float, str, str]:
    """Run `cmd`; its exit code, wall seconds, peak RSS in MB of its process tree (wait4 rusage:
    the largest of it and its waited-for children), user + system CPU seconds of the tree, stdout
    and stderr."""
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    t0 = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - t0
        out.seek(0), err.seek(0)
        return (os.waitstatus_to_exitcode(status), wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
                out.read(), err.read())


def refresh(label: str, landing: Path, one_council: bool, work: Path, which: list[str]) -> Phase:
    where = ["--landing", str(landing)] if one_council else ["--landing-root", str(landing)]
    cmd = [str(BIN / "ascw"), "refresh" if one_council else "refresh-region", *which, *where,
           "--warehouse", str(work / "warehouse" / "ascw.duckdb"), "--exports", str(work / "exports")]
    rc, wall, peak, cpu, out_text, err_text = _wait(cmd)
    if rc:
        sys.stderr.write(f"{' '.join(cmd[1:3])} {which} exited {rc}:\n{out_text[-3000:]}\n{err_text[-3000:]}\n")
    return Phase(label, wall, peak, cpu, rc, stage_times(err_text, wall))


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


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


def last_manifest(work: Path) -> dict | None:
    """The manifest of the warehouse's last dbt build (every model's SQL compiled)."""
    runs = sorted((work / "warehouse" / "dbt").glob("run-*"), key=lambda p: p.stat().st_mtime)
    if runs and (runs[-1] / "manifest.json").exists():
        return json.loads((runs[-1] / "manifest.json").read_text())
    return None


def floor(work: Path, folders: list[Path], months: list[str]) -> tuple[float, float]:
    """The floor's wall and CPU seconds (see the module docstring), on a copy of the warehouse."""
    manifest = last_manifest(work)
    if manifest is None:
        return float("nan"), float("nan")
    copy = work / "floor" / "ascw.duckdb"  # same catalog name: the compiled SQL says "ascw"."marts"...
    copy.parent.mkdir(exist_ok=True)
    shutil.copyfile(work / "warehouse" / "ascw.duckdb", copy)
    t0, cpu0 = time.monotonic(), _own_cpu()
    con = duckdb.connect(str(copy))
    con.execute("SET enable_progress_bar = false")
    con.execute("create schema if not exists floor_extracts")
    for f, folder in enumerate(folders):
        for month in months:
            for i, csv in enumerate(sorted((folder / month).glob("*.csv"))):
                con.execute(f"create or replace table floor_extracts.f{f}_{month.replace('-', '_')}_{i} as "
                            f"select * from read_csv('{csv}', all_varchar=true, header=true)")
    for node in model_order(manifest):
        con.execute(f"create or replace table {node['relation_name']} as {node['compiled_code']}")
    con.close()
    wall, cpu = time.monotonic() - t0, _own_cpu() - cpu0
    shutil.rmtree(copy.parent)
    return wall, cpu


def disk_gb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e9


def print_phase(p: Phase, n: int) -> None:
    print(f"{p.label}: wall {p.wall:.1f}s ({p.wall / n:.2f}s per council), peak {p.peak_mb / 1024:.2f} GB, "
          f"CPU {p.cpu:.1f}s ({p.cpu / n:.2f}s per council), exit {p.rc}")
    for stage in sorted(p.stages, key=lambda s: -p.stages[s]):
        print(f"    {stage:<9} {p.stages[stage]:8.1f}s")
    if p.floor_wall == p.floor_wall:
        print(f"    floor (plain DuckDB SQL, same marts): wall {p.floor_wall:.1f}s, CPU {p.floor_cpu:.1f}s; "
              f"refresh / floor: wall {p.wall / max(p.floor_wall, 1e-9):.1f}x, CPU {p.cpu / max(p.floor_cpu, 1e-9):.1f}x")


def bench_scale(n: int, months: int, base: Path, repeats: int) -> tuple[Phase, float]:
    gen = base / f"councils_{n}_{months}"
    t0 = time.monotonic()
    subprocess.run([str(BIN / "ascw-generate"), "--out", str(gen), "--months", str(months), "--councils", str(n), "-q"],
                   check=True)
    gen_s = time.monotonic() - t0
    one = n == 1
    folders = [gen] if one else sorted(p for p in gen.iterdir() if p.is_dir())
    all_months = sorted(p.name for p in folders[0].glob("20??-??"))
    latest = all_months[-1]
    work = base / f"work_{n}_{months}"
    print(f"\n=== {n} council(s), {months} months of history, one warehouse "
          f"(generated in {gen_s:.1f}s; {disk_gb(gen):.1f} GB of extracts) ===", flush=True)
    phases: list[Phase] = []
    if len(all_months) > 1:
        held = base / f"held_{n}_{months}"
        for f in folders:  # the latest month arrives after the backfill
            (held / f.name).mkdir(parents=True, exist_ok=True)
            shutil.move(str(f / latest), held / f.name / latest)
        try:
            backfill = refresh(f"backfill {len(all_months) - 1} months", gen, one, work, ["--all"])
        finally:
            for f in folders:
                shutil.move(str(held / f.name / latest), f / latest)
        backfill.floor_wall, backfill.floor_cpu = floor(work, folders, all_months[:-1])
        phases.append(backfill)
        print_phase(backfill, n)
    kept = work.with_name(work.name + ".after-backfill")
    if repeats > 1:
        shutil.copytree(work, kept)
    walls: list[float] = []
    for i in range(repeats):
        if i:  # back to the state the backfill left, at the same paths
            shutil.rmtree(work)
            shutil.copytree(kept, work)
        monthly = refresh(f"monthly refresh {latest}" + (f" (repeat {i + 1}/{repeats})" if repeats > 1 else ""),
                          gen, one, work, ["--month", latest])
        if i == 0:
            monthly.floor_wall, monthly.floor_cpu = floor(work, folders, [latest])
        walls.append(monthly.wall)
        phases.append(monthly)
        print_phase(monthly, n)
    first_monthly = next(p for p in phases if p.label.startswith("monthly"))
    median = statistics.median(walls)
    if repeats > 1:
        print(f"monthly refresh wall over {repeats} repeats: median {median:.1f}s (min {min(walls):.1f}s, "
              f"max {max(walls):.1f}s)")
    print(f"disk: extracts {disk_gb(gen):.1f} GB, warehouse folder {disk_gb(work / 'warehouse'):.1f} GB, "
          f"exports {disk_gb(work / 'exports'):.2f} GB")
    return first_monthly, median


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--councils", type=int, nargs="+", default=[1, 50, 150])
    p.add_argument("--months", type=int, nargs="+", default=[36, 12, 3])
    p.add_argument("--repeats", type=int, default=1, help="runs of the monthly phase (median and range printed)")
    p.add_argument("--out", type=Path, default=None, help="work folder (default: a temporary one)")
    args = p.parse_args(argv)
    months = args.months if len(args.months) == len(args.councils) else args.months[:1] * len(args.councils)
    base = args.out or Path(tempfile.mkdtemp(prefix="ascw-bench-"))
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, python {platform.python_version()}, "
          f"duckdb {duckdb.__version__}; work folder {base}; {time.strftime('%Y-%m-%d %H:%M')}")
    results = {}
    from sources.generator.geography import LOCAL_AUTHORITIES

    for n, m in zip(args.councils, months):
        if n > len(LOCAL_AUTHORITIES):
            print(f"\n=== {n} councils, {m} months: not run: the generator knows {len(LOCAL_AUTHORITIES)} local "
                  "authorities (sources/generator/geography.py) ===", flush=True)
            continue
        results[(n, m)] = bench_scale(n, m, base, args.repeats)
        shutil.rmtree(base / f"councils_{n}_{m}", ignore_errors=True)  # the disk is for the next scale
    print(f"\n=== targets (issue 25), {time.strftime('%Y-%m-%d %H:%M')} ===")
    for (n, m), (phase, median) in results.items():
        target = TARGETS.get((n, m))
        ratio = phase.cpu / max(phase.floor_cpu, 1e-9)
        line = (f"{n} council(s), {m} months: monthly refresh {median:.1f}s, peak {phase.peak_mb / 1024:.2f} GB, "
                f"CPU {ratio:.1f}x the floor's ({phase.cpu:.1f}s / {phase.floor_cpu:.1f}s)")
        if target:
            wall, gb, cpu = target
            met = median <= wall and phase.peak_mb / 1024 <= gb and (cpu is None or ratio <= cpu)
            line += (f" -- target <= {wall:.0f}s, <= {gb:.0f} GB" + (f", <= {cpu:.1f}x CPU" if cpu else "")
                     + (": met" if met else ": NOT met"))
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
