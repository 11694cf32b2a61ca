"""Where each dbt invocation writes its artifacts, kept per warehouse so partial parsing works.

dagster-dbt gives every invocation a fresh target folder and seeds it with the project's
`target/partial_parse.msgpack`. dbt discards that file (and parses the whole project again,
~5 s here) whenever the profile's connection details or the env vars used in dbt_project.yml
differ from the run that wrote it: the warehouse path and the council code do, between
warehouses. So each warehouse keeps its own dbt folder beside it:

    <warehouse dir>/dbt/partial_parse.msgpack   the last run's parse, reused by the next run
    <warehouse dir>/dbt/run-<run id>/           one invocation's artifacts and dbt.log

and only the newest few run folders are kept (the rest used to pile up under the project).
"""
from __future__ import annotations

import shutil
from pathlib import Path

DBT_DIR = "dbt"  # beside the warehouse file
PARTIAL_PARSE = "partial_parse.msgpack"
KEEP_RUNS = 3


def run_target_path(base: Path, run_id: str) -> Path:
    """A fresh target folder for one invocation, seeded with the warehouse's last parse."""
    target = base / f"run-{run_id}"
    target.mkdir(parents=True, exist_ok=True)
    saved = base / PARTIAL_PARSE
    if saved.exists() and not (target / PARTIAL_PARSE).exists():
        shutil.copy2(saved, target / PARTIAL_PARSE)
    return target


def save_parse(base: Path, target: Path, overwrite: bool = True) -> bool:
    """Save the parse in the dbt `target` folder as the warehouse's (`base`) for its next run;
    with `overwrite=False` only when the warehouse has none. True when saved."""
    parsed, saved = target / PARTIAL_PARSE, base / PARTIAL_PARSE
    if not parsed.exists() or (saved.exists() and not overwrite):
        return False
    tmp = base / f".{PARTIAL_PARSE}.tmp"
    shutil.copy2(parsed, tmp)
    tmp.replace(saved)  # atomic: a killed run never leaves half a file
    return True


def keep_parse_and_prune(base: Path, finished: Path, keep: int = KEEP_RUNS) -> None:
    """Save the finished invocation's parse for the next run; delete all but the newest
    `keep` run folders (the finished one is always kept)."""
    save_parse(base, finished)
    runs = sorted((p for p in base.glob("run-*") if p.is_dir() and p != finished),
                  key=lambda p: p.stat().st_mtime, reverse=True)
    for old in runs[max(keep - 1, 0):]:
        shutil.rmtree(old, ignore_errors=True)
