"""`ascw`: the headless monthly refresh, and the demo council end to end.

    ascw refresh (--month YYYY-MM | --all) --landing DIR --warehouse FILE --exports DIR [--council CODE] [--wait]
    ascw refresh-region (--month YYYY-MM | --all) --landing-root DIR --warehouse FILE --exports DIR [--wait]
    ascw republish --month YYYY-MM --reason TEXT [--council CODE] --warehouse FILE --exports DIR [--wait]
    ascw demo [--seed N] [--months N] [--regenerate]
    ascw explain --warehouse FILE --month YYYY-MM --table MART [--where COLUMN=VALUE ...] [--dbt-manifest FILE]
    ascw docs
    ascw sql [--parquet] [--csv] [-c SQL] [FILE.sql ...]   (read-only SQL on the marts: sql_shell.py)
    ascw ui   (the Dagster UI and daemon on the warehouse's instance: `make dev`)

Every flag has an environment-variable default (ASCW_MONTH = YYYY-MM or `all`, ASCW_LANDING,
ASCW_WAREHOUSE, ASCW_EXPORTS, ASCW_COUNCIL). A refresh runs the Dagster job the schedule and the
sensor run (`monthly_refresh`), on the warehouse's persistent Dagster instance
(`<warehouse dir>/dagster/`, or $DAGSTER_HOME), so its runs, materializations and check results
are what `make dev` shows. It prints progress per stage and a summary per council-month, and exits
0 only when every requested council-month was published (or had already been published,
unchanged); 1 when any was blocked; 2 on a usage error; 3 when another refresh holds the
warehouse (`--wait` queues behind it instead); 4 when the refresh could not run (the warehouse
unreadable, the disk full, a folder not writable): one `ascw:` line says what and what to do.
"""
from __future__ import annotations

import argparse
import atexit
import os
import sys
import threading
from datetime import datetime
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING

from orchestration.landing_layout import (
    CouncilLanding, council_landings, month_folders, unexpected_entries, unknown_folders,
)
from orchestration.months import month_label, months_between, parse_month
from orchestration.partitions_key import Part
from orchestration.settings import Settings, load_settings

if TYPE_CHECKING:
    import dagster as dg
    import duckdb

EXIT_OK, EXIT_BLOCKED, EXIT_USAGE, EXIT_BUSY, EXIT_FAILED = 0, 1, 2, 3, 4
JOB = "monthly_refresh"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ascw", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    s = load_settings()

    def outputs(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--warehouse", type=Path, default=s.warehouse, help="DuckDB file [ASCW_WAREHOUSE]")
        sp.add_argument("--exports", type=Path, default=s.exports, help="published packs [ASCW_EXPORTS]")

    def paths(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--landing", type=Path, default=s.landing, help="the council's landing directory [ASCW_LANDING]")
        outputs(sp)
        sp.add_argument("--council", default=s.council, help="council ONS code [ASCW_COUNCIL]; default: from the extracts")

    def months(sp: argparse.ArgumentParser, all_help: str) -> None:
        which = sp.add_mutually_exclusive_group()  # neither: ASCW_MONTH (YYYY-MM or `all`)
        which.add_argument("--month", help="YYYY-MM [ASCW_MONTH]")
        which.add_argument("--all", action="store_true", help=f"{all_help} [ASCW_MONTH=all]")
        sp.add_argument("--wait", action="store_true",
                        help="when another refresh is writing the warehouse, wait for it (default: exit 3 saying so)")

    r = sub.add_parser("refresh", help="load, validate, build and publish a council's month(s)")
    months(r, "every month found in the landing directory, oldest first")
    paths(r)

    g = sub.add_parser("refresh-region", help="refresh every council folder under a landing root into one warehouse")
    months(g, "every month found in each council's landing folder")
    g.add_argument("--landing-root", type=Path, required=True, help="one landing folder per council inside")
    outputs(g)

    rp = sub.add_parser("republish", help="re-issue a published month's pack as a new version beside the old one")
    rp.add_argument("--month", required=True, help="YYYY-MM, a month already published")
    rp.add_argument("--reason", required=True, help="why it is re-issued (published in the new version's manifest)")
    rp.add_argument("--council", default=s.council,
                    help="council ONS code [ASCW_COUNCIL]; default: the one council whose month is published")
    outputs(rp)
    rp.add_argument("--wait", action="store_true",
                    help="when a refresh is writing the warehouse, wait for it (default: exit 3 saying so)")

    c = sub.add_parser("docs", help="generate the browsable dbt catalogue of every model and column")
    paths(c)

    q = sub.add_parser("sql", help="SQL on the marts: the warehouse read-only, or its Parquet copy (--parquet)")
    from orchestration.sql_shell import add_arguments

    add_arguments(q, s.warehouse)

    u = sub.add_parser("ui", help="the Dagster UI and daemon on the warehouse's instance (make dev)")
    paths(u)
    u.add_argument("--port", type=int, default=3000)

    x = sub.add_parser("explain", help="where a mart's figures come from: dbt models, source files, source rows")
    x.add_argument("--warehouse", type=Path, default=s.warehouse, help="DuckDB file [ASCW_WAREHOUSE]")
    x.add_argument("--month", required=True, help="YYYY-MM")
    x.add_argument("--table", required=True, help="a mart, e.g. care_ladder_monthly")
    x.add_argument("--where", action="append", default=[], metavar="COLUMN=VALUE",
                   help="keep the mart rows whose column (as text) is value; repeatable")
    x.add_argument("--dbt-manifest", type=Path, default=None,
                   help="dbt manifest.json (default: the project's, parsed again when the project changed)")

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


def gap_months(months: list[str]) -> list[str]:
    """Months between the first and last that have no folder."""
    return sorted(set(months_between(months[0], months[-1])) - set(months)) if months else []


def requested_parts(councils: list[CouncilLanding], month: str | None, one_council: bool) -> tuple[list[Part], list[str]]:
    """The council-months a refresh covers, and notes on what it leaves out: with `month`, that
    month of each council (a council of a region without that folder is named and left out; a
    lone council is refreshed anyway, and its missing files block it with the reason); else
    every month folder of each council (months missing between them are named)."""
    parts: list[Part] = []
    notes: list[str] = []
    for c in councils:
        found = [p.name for p in month_folders(c.folder)]
        if month:
            label = month_label(parse_month(month))
            if label in found or one_council:
                parts.append(Part(c.code, label))
            else:
                notes.append(f"{c.code}: no {label} folder in {c.folder}: not refreshed")
            continue
        parts += [Part(c.code, m) for m in found]
        gaps = gap_months(found)
        if gaps:
            notes.append(f"{c.code}: no month folder in {c.folder} for {', '.join(gaps)}: those months are not refreshed")
    return parts, notes


def refresh(settings: Settings, month: str | None, *, region: bool = False, wait: bool = False) -> int:
    """The monthly refresh of the landing's council(s) for `month` (None: every month found)."""
    layout = "region" if region else "council"
    councils = council_landings(settings.landing, layout, None if region else settings.council)
    if not councils:
        what = "council landing folders (with YYYY-MM folders)" if region else "month folders (YYYY-MM) or CLD extracts"
        print(f"ascw: no {what} in {settings.landing}", file=sys.stderr)
        return EXIT_USAGE
    parts, notes = requested_parts(councils, month, one_council=not region)
    for c in councils:
        stray = unexpected_entries(c.folder, month)
        if stray:
            notes.append(f"{c.code}: not read (no file or folder the landing contract names): "
                         + ", ".join(str(c.folder / s) for s in stray))
    for note in notes + [f"{p}: not a council landing folder (or a second folder of one): not read"
                         for p in unknown_folders(settings.landing, layout)]:
        print(f"ascw: {note}", file=sys.stderr)
    if not parts:
        print(f"ascw: nothing to refresh in {settings.landing}", file=sys.stderr)
        return EXIT_USAGE
    return run_parts(settings.with_overrides(layout=layout), parts, exports_per_council=region, wait=wait)


def run_parts(settings: Settings, parts: list[Part], *, exports_per_council: bool, wait: bool) -> int:
    """Run the monthly job over `parts` on the warehouse's Dagster instance, then summarise."""
    from orchestration.dbt_manifest import ensure_manifest
    from orchestration.defs.resources import (
        WarehouseBusy, WarehouseUnreadable, dbt_project, open_warehouse, private_folder, warehouse_lock,
    )
    from orchestration.instance import fail_abandoned_runs, open_instance
    from orchestration.progress import progress
    from orchestration.run_plan import COUNCILS, MONTHS, describe, new_keys, range_tags, rectangles
    from orchestration.warehouse_upgrade import upgrade_to_council_key

    started = datetime.now()
    try:
        private_folder(settings.warehouse.parent)
        instance = open_instance(settings.dagster_home)
    except OSError as exc:
        print(f"ascw: {environment_failure(exc)}", file=sys.stderr)
        return EXIT_FAILED
    try:  # fail fast, before any work, when another refresh or an analyst's session holds the file
        with warehouse_lock(settings.warehouse, wait, f"ascw {' '.join(sys.argv[1:2]) or 'refresh'}, pid {os.getpid()}"):
            for run_id in fail_abandoned_runs(instance, JOB):
                progress("dagster", f"run {run_id} was left in progress by a process that died: marked failed")
            con = open_warehouse(settings.warehouse)
            try:  # a warehouse of the earlier one-council layout is upgraded in place, once
                councils = sorted({p.council for p in parts})
                upgraded = upgrade_to_council_key(con, councils[0] if len(councils) == 1 else None)
            finally:
                con.close()
            if upgraded:
                progress("upgrade", upgraded)
            for name, keys in ((COUNCILS, [p.council for p in parts]), (MONTHS, [p.month for p in parts])):
                new = new_keys(instance.get_dynamic_partitions(name), keys)
                if new:
                    instance.add_dynamic_partitions(name, new)
    except WarehouseBusy as exc:
        print(f"ascw: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except WarehouseUnreadable as exc:
        print(f"ascw: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"ascw: {environment_failure(exc)}", file=sys.stderr)
        return EXIT_FAILED
    if ensure_manifest(dbt_project):
        progress("dbt", "parsed the dbt project (first run, or its files changed)")
    from orchestration.definitions import build_definitions
    from orchestration.defs.resources import resources_for

    job = build_definitions(resources_for(settings, exports_per_council=exports_per_council, wait_for_lock=wait)
                            ).resolve_job_def(JOB)
    plan = rectangles(parts, instance.get_dynamic_partitions(COUNCILS), instance.get_dynamic_partitions(MONTHS))
    progress("refresh", f"{len(parts)} council-month(s) in {len(plan)} run(s), Dagster instance {settings.dagster_home}")
    busy = False
    for rect in plan:
        progress("refresh", f"run: {describe(rect)}")
        busy |= execute(job, instance, range_tags(rect))
    from orchestration.decisions import read_outcomes

    undecided = [p for p in parts if p not in _decided_since(settings, started)]
    if undecided and not busy:
        # The run stopped before its gate (dbt did not build, or nothing was open for it): the gate
        # alone decides and reports those council-months, as the same job's publication step.
        from orchestration.defs.publication import GATE_KEY, PACK_KEY

        for rect in rectangles(undecided, instance.get_dynamic_partitions(COUNCILS), instance.get_dynamic_partitions(MONTHS)):
            progress("gate", f"deciding {describe(rect)} (the run stopped before its publication gate)")
            execute(job, instance, range_tags(rect), asset_selection=[GATE_KEY, PACK_KEY])
    try:
        con = open_warehouse(settings.warehouse)
    except WarehouseBusy as exc:
        print(f"ascw: {exc}", file=sys.stderr)
        return EXIT_BUSY
    try:
        outcomes = read_outcomes(con, parts, started)
    finally:
        con.close()
    dq = settings.warehouse.parent / "dq_reports"
    code = summarise(outcomes, by_council=exports_per_council, report_of=lambda p: dq / p.council / f"{p.month}.html")
    return EXIT_BUSY if busy and code != EXIT_OK else code


def _decided_since(settings: Settings, since: datetime) -> set[Part]:
    from orchestration.decisions import DECISIONS_DDL
    from orchestration.defs.resources import open_warehouse

    con = open_warehouse(settings.warehouse)
    try:
        con.execute(DECISIONS_DDL)
        rows = con.execute("select council_code, month from audit.gate_decisions where decided_at >= ?", [since]).fetchall()
    finally:
        con.close()
    return {Part(c, m) for c, m in rows}


def execute(job: dg.JobDefinition, instance: dg.DagsterInstance, tags: dict[str, str],
            asset_selection: list | None = None) -> bool:
    """One run of the job over a rectangle of council-months, in this process, recorded in the
    instance. Prints each failed step (one line for a deliberate stop, the stack for anything
    else); True when a step found the warehouse busy."""
    result = job.execute_in_process(
        instance=instance,
        tags={**tags, "ascw/requested_by": "ascw"},
        asset_selection=asset_selection,
        raise_on_error=False,
        # Dagster's own console shows only what the summary does not: a blocked council-month is
        # an outcome (summarised with its reasons), not a stack trace.
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
    )
    busy = False
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data.error:
            err = event.step_failure_data.error
            print(step_failure_report(event.step_key, err.cls_name, err.message, err.to_string()), file=sys.stderr)
            busy |= "WarehouseBusy" in (err.cls_name or "") or "is open in another process" in (err.message or "")
    return busy


# Raised on purpose by a step that stops (dg.Failure, e.g. "dbt not run: every council-month of
# this run failed a blocking source check") or by Dagster for a failed blocking check: the reasons
# are in the summary, so one line will do.
DELIBERATE_FAILURES = ("Failure", "DagsterAssetCheckFailedError")


def step_failure_report(step_key: str, cls_name: str | None, message: str | None, full: str) -> str:
    """What stderr says about a failed Dagster step: one line for a deliberate stop, and for a
    failure of the machine rather than the code (a full disk, a folder that cannot be written, a
    warehouse that cannot be read) one line saying what to do; for anything else (a bug) the line
    and then the error with its stack, for whoever runs it."""
    first = ((message or "").strip().splitlines() or [cls_name or "error"])[0][:400]
    if cls_name in DELIBERATE_FAILURES:  # "dagster._core.definitions.events.Failure: <why>"
        return f"ascw: step {step_key} stopped: {first.split(f'{cls_name}: ', 1)[-1]}"
    known = environment_failure_text(first)
    if known:
        return f"ascw: step {step_key} failed: {known}"
    return f"ascw: step {step_key} failed: {first}\n{full.rstrip()}"


def environment_failure_text(message: str) -> str | None:
    """The one line for an error the machine caused, from its message; None for anything else."""
    remedies = (
        (("No space left on device",), "the disk is full ({m}): free space and refresh again; "
         "nothing was published for the council-months not reported published, and published packs are intact"),
        (("Read-only file system", "Permission denied"), "a folder cannot be written ({m}): make the "
         "exports and warehouse folders writable by this user and refresh again; published packs are intact"),
        (("not a valid DuckDB database", "Corrupt", "checksum", "Serialization Error"), "the warehouse cannot "
         "be read ({m}): restore it from its backup, or move it aside and rebuild it with `ascw refresh --all`"),
    )
    for needles, text in remedies:
        if any(n in message for n in needles):
            return text.format(m=message.split(": ", 1)[-1][:240])
    return None


def environment_failure(exc: OSError) -> str:
    return environment_failure_text(f"{type(exc).__name__}: {exc}") or f"{type(exc).__name__}: {exc}"


def summarise(outcomes: dict[Part, tuple[str, list[str]]], by_council: bool = True,
              report_of: Callable[[Part], Path] | None = None) -> int:
    """The per council-month table: each blocked one's root cause first (with what to do), its
    other failures after it, as consequences (gates.results.cause_rank orders them)."""
    ok = True
    print(f"\n{'Council     ' if by_council else ''}Month     Outcome")
    pad = " " * (22 if by_council else 10)
    for part, (status, reasons) in outcomes.items():
        print(f"{part.council + '   ' if by_council else ''}{part.month}   {status}")
        ok &= status in ("published", "already published")
        if not reasons:
            continue
        if status != "blocked":
            print(f"{pad}- {reasons[0]}")
            continue
        report = report_of(part) if report_of else None
        print(f"{pad}- cause: {reasons[0]}")
        print(f"{pad}  what to do: correct the extract named above (or deliver the missing one) and refresh "
              f"{part.month} again" + (f"; every failing row is in {report}" if report and report.exists() else ""))
        if len(reasons) > 1:
            print(f"{pad}- then {len(reasons) - 1} more failing check(s), most likely consequences of it:")
            for r in reasons[1:10]:
                print(f"{pad}    {r}")
            if len(reasons) > 10:
                print(f"{pad}    ... and {len(reasons) - 10} more (see the data-quality report)")
    statuses = [s for s, _ in outcomes.values()]
    done = sum(s == "published" for s in statuses)
    already = sum(s == "already published" for s in statuses)
    print(f"\n{done} published, {already} already published, {len(statuses) - done - already} blocked or not run")
    return EXIT_OK if ok else EXIT_BLOCKED


def republish(settings: Settings, month: str, reason: str, council: str | None, *, wait: bool = False) -> int:
    """`ascw republish`: re-issue a council-month's published pack, corrected, as a NEW version
    beside the old one (`<exports>[/<council>]/YYYY-MM-vN/`; `YYYY-MM/` stays the first
    publication, untouched), with the reason in its manifest (`reissue`). It runs without Dagster:
    it reads the warehouse as it is now (the marts of the last refresh) and writes a pack, holding
    the warehouse's run lock like a refresh. The month's gate is checked again first (its
    reconciliation re-run on the current marts, then every check recorded for it): a blocked month
    is never re-issued. Exit 0 re-issued, 1 blocked, 2 usage (not published, no reason, council
    unknown), 3 busy."""
    from orchestration.defs.resources import WarehouseBusy, open_warehouse, warehouse_lock

    try:
        label = month_label(parse_month(month))
    except ValueError as exc:
        print(f"ascw: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not reason.strip():
        print("ascw: --reason must say why the month is re-issued (it is published in the manifest)", file=sys.stderr)
        return EXIT_USAGE
    try:
        with warehouse_lock(settings.warehouse, wait, f"ascw republish {label}, pid {os.getpid()}"):
            if not settings.warehouse.exists():
                print(f"ascw: no warehouse at {settings.warehouse}", file=sys.stderr)
                return EXIT_USAGE
            con = open_warehouse(settings.warehouse)
            try:
                return _republish(con, settings, label, reason.strip(), council)
            finally:
                con.close()
    except WarehouseBusy as exc:
        print(f"ascw: {exc}", file=sys.stderr)
        return EXIT_BUSY


def _republish(con: duckdb.DuckDBPyConnection, settings: Settings, month: str, reason: str, council: str | None) -> int:
    from orchestration.decisions import published_councils, recheck_month
    from orchestration.gates import load_results, summary_for_manifest
    from orchestration.pack import PackError, republish_month
    from orchestration.pack.manifest import source_files

    published = published_councils(con, month)
    if council is None and len(published) != 1:
        which = ", ".join(published) or "none"
        print(f"ascw: give --council: councils with {month} published: {which}", file=sys.stderr)
        return EXIT_USAGE
    council = council or next(iter(published))
    recorded = Path(published[council]).parent if council in published else None
    candidates = [d for d in (recorded, settings.exports / council, settings.exports) if d is not None]
    exports = next((d for d in candidates if (d / month).is_dir() and d.resolve().is_relative_to(settings.exports)),
                   None)
    if council not in published or exports is None:
        print(f"ascw: {council} {month} is not published in {settings.exports}: there is nothing to re-issue "
              "(publish it with `ascw refresh`)", file=sys.stderr)
        return EXIT_USAGE
    part = Part(council, month)
    decision = recheck_month(con, part)
    if decision.blocked:
        print(f"ascw: {council} {month} is blocked by its gate now, so it is not re-issued "
              f"({len(decision.reasons)} failing checks):", file=sys.stderr)
        for r in decision.reasons[:10]:
            print(f"  - {r}", file=sys.stderr)
        return EXIT_BLOCKED
    report = settings.warehouse.parent / "dq_reports" / council / f"{month}.html"
    extra = {"source_files": source_files(con, month, council), "checks": summary_for_manifest(load_results(con, part)),
             **({"data_quality_report": str(report)} if report.exists() else {})}
    try:
        path = republish_month(con, month, exports, council=council, reason=reason, manifest_extra=extra)
    except PackError as exc:
        print(f"ascw: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{council} {month}: re-issued -> {path} (the earlier version(s) in {exports} are unchanged)")
    return EXIT_OK


def demo(args: argparse.Namespace, settings: Settings) -> int:
    """Generate the demo council (unless its landing folder has months already), then refresh
    every month. The generator runs as a process of its own from the start: beside it this process
    has the dbt project parsed for the new warehouse and imports what the refresh runs (the
    Dagster definitions take ~10 s to import, half of it Great Expectations), so that on 2 cores
    neither waits for the other (docs/BENCHMARKS.md, 2026-12-08)."""
    import subprocess

    from orchestration.progress import progress

    if args.regenerate or not any(settings.landing.glob("20??-??")):
        progress("generate", f"demo council ({args.months} months, seed {args.seed}) -> {settings.landing}")
        generator = subprocess.Popen([sys.executable, "-m", "sources.generator", "--out", str(settings.landing),
                                      "--months", str(args.months), "--seed", str(args.seed), "-q"])
        try:
            parsing = _parse_in_background(settings.warehouse)
            _import_refresh_modules()
            parsing.join()
        finally:
            generated = generator.wait()
        if generated != 0:
            print(f"ascw: the demo council was not generated (the generator exited with {generated})", file=sys.stderr)
            return EXIT_FAILED
    code = refresh(settings, None)
    print(demo_announcement(settings.exports, settings.warehouse))
    return code


def _import_refresh_modules() -> None:
    """Import the modules a refresh runs, but the Dagster definitions themselves (they read the dbt
    manifest, which may still be being parsed)."""
    import dagster  # noqa: F401
    import orchestration.gates  # noqa: F401 - Great Expectations
    import orchestration.pack.publish  # noqa: F401
    import orchestration.instance  # noqa: F401


def _parse_in_background(warehouse: Path) -> threading.Thread:
    """`ensure_manifest_for` the warehouse in a thread: the parse is a `dbt parse` subprocess, so
    on a fresh clone it runs on the other core while the generator writes the landing (the refresh
    then finds the manifest current, and its dbt build the warehouse's parse saved; a parse that
    failed here is run, and reported, by the refresh again)."""
    # Imported here, not in the thread: two threads importing the same modules can deadlock
    # (Python then raises in one of them). Light modules: the parse starts at once.
    from orchestration.dbt_manifest import PROJECT, ensure_manifest_for
    from orchestration.progress import progress

    def work() -> None:
        try:
            if ensure_manifest_for(PROJECT, warehouse):
                progress("dbt", "parsed the dbt project (first run, or its files changed), beside the generator")
        except Exception:  # noqa: BLE001 - the refresh parses again and reports
            pass

    thread = threading.Thread(target=work, name="dbt-parse", daemon=True)
    thread.start()
    return thread


def demo_announcement(exports: Path, warehouse: Path) -> str:
    """Where the demo's packs are and how to open them (the first and the latest month's)."""
    packs = sorted(p for p in exports.glob("20??-??") if (p / "report.html").is_file()) if exports.is_dir() else []
    if not packs:
        return f"\nNo pack was published in {exports}: the summary above says why."
    first, last = packs[0], packs[-1]
    return "\n".join([
        "",
        f"Published {len(packs)} monthly pack(s) in {exports}: the first {first.name}, the latest {last.name}.",
        f"  Latest pack:   {last}",
        f"  Open its report in a browser: {last / 'report.html'}",
        "    (xdg-open on Linux, open on macOS, start on Windows; or paste file://"
        f"{(last / 'report.html').as_posix()} in the address bar)",
        f"  Its tables in Excel: {last / 'mps_tables.xlsx'} and {last / 'kpi_pack.xlsx'} (CSV files beside them)",
        f"  First pack:    {first}",
        f"  SQL on the marts: .venv/bin/ascw sql  (the warehouse {warehouse}, read-only; README, For analysts)",
        "  The Dagster UI on the runs: make dev",
    ])


def docs(settings: Settings) -> int:
    """`dbt docs generate --static` against the warehouse: one self-contained HTML catalogue,
    written beside the warehouse as dbt_docs/index.html (open it in a browser)."""
    import shutil
    import subprocess

    from orchestration.dbt_profile import profiles_dir_for
    from orchestration.dbt_manifest import dbt_executable
    from orchestration.settings import DBT_PROJECT_DIR

    target = settings.warehouse.parent / "dbt" / "docs"
    cmd = [dbt_executable(), "docs", "generate", "--static", "--profiles-dir", str(profiles_dir_for(settings.warehouse)),
           "--target-path", str(target), "--log-path", str(target / "logs"), "--quiet"]
    done = subprocess.run(cmd, cwd=DBT_PROJECT_DIR)
    if done.returncode:
        return done.returncode
    out = settings.warehouse.parent / "dbt_docs" / "index.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target / "static_index.html", out)
    print(f"dbt catalogue: {out}")
    return EXIT_OK


def ui(settings: Settings, port: int) -> int:
    """`dagster dev -w workspace.yaml` on the warehouse's instance (its home created with ascw's
    dagster.yaml when new), the code location configured by the same settings (ASCW_*)."""
    import subprocess

    from orchestration.instance import ensure_instance_home
    from orchestration.settings import PROJECT_ROOT

    home = ensure_instance_home(settings.dagster_home)
    print(f"Dagster UI on the instance {home}: http://localhost:{port}", file=sys.stderr)
    env = {**os.environ, "DAGSTER_HOME": str(home), "ASCW_LANDING": str(settings.landing),
           "ASCW_WAREHOUSE": str(settings.warehouse), "ASCW_EXPORTS": str(settings.exports)}
    dagster = Path(sys.executable).with_name("dagster")
    return subprocess.call([str(dagster if dagster.exists() else "dagster"), "dev", "-w", "workspace.yaml",
                            "-p", str(port)], cwd=PROJECT_ROOT, env=env)


def explain(args: argparse.Namespace) -> int:
    """`ascw explain`: prints orchestration/explain.py's report; read-only on the warehouse."""
    import duckdb

    from orchestration.explain import ExplainError, explain as report, parse_where, read_manifest

    try:
        parse_month(args.month)
        where = parse_where(args.where)
    except ValueError as exc:
        print(f"ascw: {exc}", file=sys.stderr)
        return EXIT_USAGE
    manifest_path = args.dbt_manifest
    if manifest_path is None:
        from orchestration.dbt_manifest import ensure_manifest
        from orchestration.defs.resources import dbt_project

        ensure_manifest(dbt_project)
        manifest_path = dbt_project.manifest_path
    if not args.warehouse.is_file():
        print(f"ascw: no warehouse at {args.warehouse}", file=sys.stderr)
        return EXIT_USAGE
    try:
        con = duckdb.connect(str(args.warehouse), read_only=True)
    except duckdb.IOException as exc:
        print(f"ascw: the warehouse is being written (a refresh holds it): {exc}", file=sys.stderr)
        return EXIT_BUSY
    try:
        print("\n".join(report(con, read_manifest(manifest_path), args.table, args.month, where)))
    except ExplainError as exc:
        print(f"ascw: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        con.close()
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "explain":
        return explain(args)
    month = None
    if args.command in ("refresh", "refresh-region"):
        try:
            month = month_choice(args.month, args.all)
            if month:
                parse_month(month)
        except ValueError as exc:
            print(f"ascw: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if args.command == "sql":
        from orchestration.sql_shell import main as sql

        return sql(args)
    base = load_settings().with_overrides(warehouse=args.warehouse.resolve(), exports=args.exports.resolve())
    if args.command == "republish":
        return republish(base, args.month, args.reason, (args.council or "").strip().upper() or None, wait=args.wait)
    if args.command == "refresh-region":
        return refresh(base.with_overrides(landing=args.landing_root.resolve()), month, region=True, wait=args.wait)
    settings = base.with_overrides(landing=args.landing.resolve(), council=(args.council or "").strip().upper() or None)
    if args.command == "demo":
        return demo(args, settings)
    if args.command == "docs":
        return docs(settings)
    if args.command == "ui":
        return ui(settings, args.port)
    return refresh(settings, month, wait=args.wait)


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
