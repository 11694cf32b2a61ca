"""`ascw`: the headless monthly refresh, and the demo council end to end.

    ascw refresh [--month YYYY-MM | --all] --landing DIR --warehouse FILE --exports DIR [--council CODE]
    ascw refresh-region (--month YYYY-MM | --all) --landing-root DIR --work DIR [--jobs N] [--build shared|each]
    ascw demo [--seed N] [--months N]

Every flag has an environment-variable default (ASCW_MONTH = YYYY-MM or `all`, ASCW_LANDING,
ASCW_WAREHOUSE, ASCW_EXPORTS, ASCW_COUNCIL). The refresh runs through Dagster (the same job the
schedule and sensor launch), prints progress per stage and a summary, and exits 0 only when every
requested month was published (or had already been published, unchanged). `--all` covers the
month folders found; a month missing between them is named on stderr and not refreshed.
"""
from __future__ import annotations

import argparse
import atexit
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.months import months_between, month_label, parse_month, partition_key
from orchestration.settings import Settings, load_settings

if TYPE_CHECKING:
    from dagster import JobDefinition

EXIT_OK, EXIT_BLOCKED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3
# Returned (never an exit status) by the "sources" stage when a month is open for dbt: the
# refresh goes on with the "models" stage after a region build (orchestration/region.py).
STAGED = -1
# The monthly job in parts: everything ("all"), the load and source gates ("sources"), or dbt
# and everything after it ("models").
STAGES = ("all", "sources", "models")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ascw", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    s = load_settings()

    def paths(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--landing", type=Path, default=s.landing, help="landing directory [ASCW_LANDING]")
        sp.add_argument("--warehouse", type=Path, default=s.warehouse, help="DuckDB file [ASCW_WAREHOUSE]")
        sp.add_argument("--exports", type=Path, default=s.exports, help="published packs [ASCW_EXPORTS]")
        sp.add_argument("--council", default=s.council, help="council ONS code [ASCW_COUNCIL]; default: from the extracts")

    def months(sp: argparse.ArgumentParser, all_help: str) -> None:
        which = sp.add_mutually_exclusive_group()  # neither: ASCW_MONTH (YYYY-MM or `all`)
        which.add_argument("--month", help="YYYY-MM [ASCW_MONTH]")
        which.add_argument("--all", action="store_true", help=f"{all_help} [ASCW_MONTH=all]")

    r = sub.add_parser("refresh", help="load, validate, build and publish month(s)")
    months(r, "every month found in the landing directory, oldest first")
    paths(r)

    g = sub.add_parser("refresh-region", help="refresh every council under a landing root, in one process "
                       "(see orchestration/region.py)")
    months(g, "every month found in each council's landing folder")
    g.add_argument("--landing-root", type=Path, required=True, help="one landing folder per council inside")
    g.add_argument("--work", type=Path, required=True, help="<work>/<council>/ gets its warehouse, exports and log")
    g.add_argument("--jobs", type=int, default=2,
                   help="councils refreshed at a time (default 2; one refresh of a large council peaks at ~3 GB)")
    g.add_argument("--build", choices=("shared", "each"), default="shared",
                   help="shared (default): one dbt build for every council ready for it, adopted by each "
                   "(orchestration/shared_build.py); each: every council its own dbt build")

    c = sub.add_parser("docs", help="generate the browsable dbt catalogue of every model and column")
    paths(c)

    d = sub.add_parser("demo", help="generate the demo council and refresh every month")
    d.add_argument("--seed", type=int, default=42)
    d.add_argument("--months", type=int, default=36)
    d.add_argument("--regenerate", action="store_true", help="write the demo landing files again")
    paths(d)
    return p


def month_choice(month: str | None, all_months: bool, env: dict[str, str] | None = None) -> str | None:
    """`--month` / `--all`, else the ASCW_MONTH environment default: a month `YYYY-MM`, or
    None for every month. A ValueError when neither is given."""
    if month or all_months:
        return month
    default = (os.environ if env is None else env).get("ASCW_MONTH", "").strip()
    if not default:
        raise ValueError("give --month YYYY-MM or --all (or set ASCW_MONTH to a month or to `all`)")
    return None if default.lower() == "all" else default


def requested_months(landing: Path, month: str | None) -> list[str]:
    """The months a refresh covers: the one asked for, or every month folder found in the
    landing directory, oldest first."""
    if month:
        return [month_label(parse_month(month))]
    from orchestration.landing_watch import month_folders

    return [p.name for p in month_folders(landing)]


def contiguous_runs(months: list[str]) -> list[list[str]]:
    """Months (sorted) split where a month is missing: each piece is one Dagster run over a
    partition range (a range would include the gap)."""
    runs: list[list[str]] = []
    for m in months:
        if runs and months_between(runs[-1][-1], m)[1:2] == [m]:
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def gap_months(months: list[str]) -> list[str]:
    """Months between the first and last that have no folder."""
    return sorted(set(months_between(months[0], months[-1])) - set(months)) if months else []


def refresh(settings: Settings, months: list[str], stage: str = "all") -> int:
    """The monthly refresh of `months`, or one stage of it (STAGES)."""
    if not months:
        print(f"ascw: no month folders (YYYY-MM) in {settings.landing}", file=sys.stderr)
        return EXIT_USAGE
    warn_gaps(settings.landing, months)
    os.environ.update(
        ASCW_LANDING=str(settings.landing),
        ASCW_WAREHOUSE=str(settings.warehouse),
        ASCW_EXPORTS=str(settings.exports),
    )
    if settings.council:
        os.environ["ASCW_COUNCIL"] = settings.council
    # Partitions must start no later than the first requested month.
    if parse_month(months[0]) < parse_month(load_settings().start_month):
        os.environ["ASCW_START_MONTH"] = months[0]
    settings.exports.mkdir(parents=True, exist_ok=True)

    from orchestration.defs.resources import WarehouseBusy, open_warehouse

    try:  # fail fast, before any work, when an analyst's session holds the file
        open_warehouse(settings.warehouse).close()
    except WarehouseBusy as exc:
        print(f"ascw: {exc}", file=sys.stderr)
        return EXIT_BUSY

    from orchestration.dbt_forkserver import running

    # dbt's imports (~4 s) happen in the fork server while the sources load and validate.
    with running():
        return _run_refresh(settings, months, stage)


def stage_selection(stage: str) -> list | None:
    """The asset keys of a stage of the monthly job (None: every asset)."""
    from orchestration.definitions import ASSETS
    from orchestration.defs.sources import landing_files

    if stage == "all":
        return None
    if stage == "sources":
        return sorted(landing_files.keys)
    if stage == "models":
        return sorted(key for asset in ASSETS if asset is not landing_files for key in asset.keys)
    raise ValueError(f"unknown stage {stage!r}: one of {', '.join(STAGES)}")


def stage_job(job: JobDefinition, stage: str, adopting: bool) -> tuple[JobDefinition, list | None]:
    """The job to run for a stage and the asset selection to pass it.

    A refresh adopting a region's clean build (orchestration/shared_build.py) runs the "models"
    stage without the dbt tests as Dagster asset checks: the build is adopted only when every test
    passed, so those ~155 checks would each report a foregone "passed" (two events apiece, ~2 s
    of Dagster's event handling per council). Their results are still recorded per month in
    `audit.check_results`, from which the publication gate decides; the gate's own checks stay."""
    selection = stage_selection(stage)
    if not (adopting and stage == "models"):
        return job, selection
    from orchestration.definitions import ASSETS
    from orchestration.defs.warehouse import warehouse_models

    keys = set(selection or ())
    checks = {check for asset in ASSETS if asset is not warehouse_models
              for check in asset.check_keys if check.asset_key in keys}
    return job.get_subset(asset_selection=keys, asset_check_selection=checks), None


def _run_refresh(settings: Settings, months: list[str], stage: str = "all") -> int:
    import dagster as dg

    from orchestration.decisions import months_open_for_dbt, read_outcomes
    from orchestration.defs.resources import WarehouseBusy, dbt_project, open_warehouse
    from orchestration.progress import progress

    from orchestration.dbt_manifest import ensure_manifest

    if ensure_manifest(dbt_project):
        progress("dbt", "parsed the dbt project (first run, or its files changed)")
    from orchestration.definitions import build_definitions
    from orchestration.defs.resources import default_resources
    from orchestration.shared_build import SharedBuild

    defs = build_definitions(default_resources())
    job, selection = stage_job(defs.resolve_job_def("monthly_refresh"), stage, SharedBuild.from_env() is not None)
    started = datetime.now()
    progress("refresh", f"{months[0]}..{months[-1]} ({len(months)} month(s)) from {settings.landing}")
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    busy = False
    for run_months in contiguous_runs(months):
        tags = (
            {"dagster/partition": partition_key(run_months[0])}
            if len(run_months) == 1
            else {
                "dagster/asset_partition_range_start": partition_key(run_months[0]),
                "dagster/asset_partition_range_end": partition_key(run_months[-1]),
            }
        )
        result = job.execute_in_process(
            asset_selection=selection,
            tags=tags,
            instance=instance,
            raise_on_error=False,
            # Dagster's own console shows only what the report below does not: a blocked month
            # is an outcome (summarised with its reasons), not a stack trace.
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
        if not result.success:
            for event in result.all_events:
                if event.is_step_failure and event.step_failure_data.error:
                    err = event.step_failure_data.error
                    print(step_failure_report(event.step_key, err.cls_name, err.message, err.to_string()),
                          file=sys.stderr)
                    busy |= "WarehouseBusy" in (err.cls_name or "") or (
                        "is open in another process" in (err.message or ""))
    try:
        con = open_warehouse(settings.warehouse)
    except WarehouseBusy as exc:
        print(f"ascw: {exc}", file=sys.stderr)
        return EXIT_BUSY
    try:
        if stage == "sources" and not busy and months_open_for_dbt(con, months):
            return STAGED
        outcomes = read_outcomes(con, months, started)
    finally:
        con.close()
    code = summarise(outcomes)
    return EXIT_BUSY if busy and code != EXIT_OK else code


# Raised on purpose by a step that stops its month (dg.Failure, e.g. "dbt not run: every month of
# this run failed a blocking source check"): the reasons are in the summary, so one line will do.
DELIBERATE_FAILURES = ("Failure",)


def step_failure_report(step_key: str, cls_name: str | None, message: str | None, full: str) -> str:
    """What stderr says about a failed Dagster step: one line for a deliberate stop; for anything
    else (a disk full, a bug) the line and then the error with its stack, for whoever runs it."""
    first = ((message or "").strip().splitlines() or [cls_name or "error"])[0][:400]
    if cls_name in DELIBERATE_FAILURES:  # "dagster._core.definitions.events.Failure: <why>"
        return f"ascw: step {step_key} stopped: {first.split(f'{cls_name}: ', 1)[-1]}"
    return f"ascw: step {step_key} failed: {first}\n{full.rstrip()}"


def summarise(outcomes: dict[str, tuple[str, list[str]]]) -> int:
    ok = True
    print("\nMonth     Outcome")
    for month, (status, reasons) in outcomes.items():
        print(f"{month}   {status}")
        for r in reasons[:10]:
            print(f"          - {r}")
        if len(reasons) > 10:
            print(f"          ... and {len(reasons) - 10} more (see the data-quality report)")
        ok &= status in ("published", "already published")
    published = sum(s == "published" for s, _ in outcomes.values())
    print(f"\n{published} published, {sum(s == 'already published' for s, _ in outcomes.values())} already published, "
          f"{sum(s not in ('published', 'already published') for s, _ in outcomes.values())} blocked or not run")
    return EXIT_OK if ok else EXIT_BLOCKED


def demo(args: argparse.Namespace, settings: Settings) -> int:
    from orchestration.progress import progress
    from sources.generator.cli import main as generate

    if args.regenerate or not any(settings.landing.glob("20??-??")):
        progress("generate", f"demo council ({args.months} months, seed {args.seed}) -> {settings.landing}")
        generate(["--out", str(settings.landing), "--months", str(args.months), "--seed", str(args.seed),
                  "-q"])
    return refresh(settings, requested_months(settings.landing, None))


def docs(settings: Settings) -> int:
    """`dbt docs generate --static` against the warehouse: one self-contained HTML catalogue,
    written beside the warehouse as dbt_docs/index.html (open it in a browser)."""
    import shutil
    import subprocess

    from orchestration.dbt_forkserver import real_dbt
    from orchestration.settings import DBT_PROJECT_DIR

    target = settings.warehouse.parent / "dbt" / "docs"
    env = dict(os.environ, ASCW_WAREHOUSE=str(settings.warehouse))
    cmd = [real_dbt(), "docs", "generate", "--static", "--profiles-dir", str(DBT_PROJECT_DIR),
           "--target-path", str(target), "--log-path", str(target / "logs"), "--quiet"]
    done = subprocess.run(cmd, cwd=DBT_PROJECT_DIR, env=env)
    if done.returncode:
        return done.returncode
    out = settings.warehouse.parent / "dbt_docs" / "index.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target / "static_index.html", out)
    print(f"dbt catalogue: {out}")
    return EXIT_OK


def refresh_region(args: argparse.Namespace, base: Settings) -> int:
    from orchestration import region

    runs = region.council_runs(args.landing_root, args.work)
    if not runs:
        print(f"ascw: no council landing folders (with YYYY-MM folders) in {args.landing_root}", file=sys.stderr)
        return EXIT_USAGE
    try:
        months_of = {run.name: requested_months(run.landing, args.month) for run in runs}
    except ValueError as exc:
        print(f"ascw: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from orchestration.progress import progress

    progress("region", f"{len(runs)} council(s) from {args.landing_root}, {args.jobs} at a time")
    started = time.monotonic()
    results = region.refresh_region(runs, months_of, base, args.jobs, shared=args.build == "shared")
    print(region.summarise_region(results, time.monotonic() - started))
    return region.exit_code(results)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in ("refresh", "refresh-region"):
        try:
            args.month = month_choice(args.month, args.all)
        except ValueError as exc:
            print(f"ascw: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if args.command == "refresh-region":
        return refresh_region(args, load_settings())
    settings = load_settings().with_overrides(
        landing=args.landing.resolve(), warehouse=args.warehouse.resolve(), exports=args.exports.resolve(),
        council=args.council,
    )
    if args.command == "demo":
        return demo(args, settings)
    if args.command == "docs":
        return docs(settings)
    try:
        months = requested_months(settings.landing, args.month)
    except ValueError as exc:
        print(f"ascw: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return refresh(settings, months)


def warn_gaps(landing: Path, months: list[str]) -> None:
    gaps = gap_months(months)
    if gaps:
        print(f"ascw: no month folder in {landing} for {', '.join(gaps)}: those months are not refreshed",
              file=sys.stderr)


def entry_point() -> None:
    """The `ascw` console script: `main`, then a quick exit.

    With Great Expectations, Dagster, dbt's adapters, pandas and scipy loaded, Python's own
    shutdown (tearing down every module and freeing each object) takes ~1.5 s of a ~30 s monthly
    refresh, for memory the OS reclaims anyway. So once `main` has returned, output is flushed
    and the atexit handlers run (logging, temporary-file finalizers, DuckDB), then the process
    exits without the teardown. An exception still takes the normal path (traceback, exit 1).
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":
    entry_point()
