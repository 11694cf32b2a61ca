"""Keep the dbt manifest Dagster reads (`dbt_project/target/manifest.json`) in step with the project.

dagster-dbt builds the asset graph and the asset checks from that manifest. A manifest older than
the project's models and tests (after an upgrade of this code, or an edit to a model) makes the
refresh fail on the first dbt node it does not know (a KeyError inside dagster-dbt, after dbt has
started). So the refresh parses the project again whenever a file dbt reads changed since the
manifest was written: a SHA-256 over every such file (`dbt_project.yml`, models, macros, tests,
seeds, ...) is stored beside the manifest. Parsing is serialised with a file lock, since several
refreshes may start at once (one per council).
"""
from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from orchestration.dbt_profile import profiles_dir_for
from orchestration.dbt_target import PARTIAL_PARSE, save_parse
from orchestration.settings import DBT_PROJECT_DIR

DIGEST_NAME = ".ascw_project_digest"
PROJECT_FILES = ("dbt_project.yml", "packages.yml", "dependencies.yml")
PROJECT_FOLDERS = ("models", "macros", "tests", "seeds", "snapshots", "analyses")


class Preparable(Protocol):  # dagster_dbt.DbtProject, as far as this module uses it
    project_dir: Path
    manifest_path: Path



def project_digest(project_dir: Path) -> str:
    """SHA-256 of the names and bytes of every file dbt parses, in a stable order."""
    files = [project_dir / f for f in PROJECT_FILES if (project_dir / f).is_file()]
    for folder in PROJECT_FOLDERS:
        files += [p for p in (project_dir / folder).rglob("*") if p.is_file()]
    h = hashlib.sha256()
    for p in sorted(files):
        h.update(str(p.relative_to(project_dir)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def manifest_is_current(project_dir: Path, manifest_path: Path) -> bool:
    stored = manifest_path.with_name(DIGEST_NAME)
    return manifest_path.is_file() and stored.is_file() and stored.read_text().strip() == project_digest(project_dir)


def ensure_manifest(project: Preparable, parser: Callable[[Preparable], None] | None = None) -> bool:
    """Parse the project (`dbt parse`, or `parser`) unless the manifest matches its files; True
    when it parsed."""
    if manifest_is_current(project.project_dir, project.manifest_path):
        return False
    project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    with (project.project_dir / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if manifest_is_current(project.project_dir, project.manifest_path):  # another process did it
            return False
        digest = project_digest(project.project_dir)
        (parser or parse)(project)
        project.manifest_path.with_name(DIGEST_NAME).write_text(digest + "\n")
    return True


def dbt_executable() -> str:
    """The `dbt` of this Python environment (dagster-dbt runs it as a process too)."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


def parse(project: Preparable, profiles_dir: Path | None = None) -> None:
    """`dbt parse` of the project into its target folder, with this environment's dbt (what
    dagster-dbt's preparer runs, without needing `dbt` on PATH, nor importing dagster-dbt: ~8 s
    of a fresh clone's demo before the parse could start). `profiles_dir`: a warehouse's profile
    (orchestration/dbt_profile.py) instead of the project's own."""
    target = project.manifest_path.parent
    done = subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--project-dir", str(project.project_dir),
         "--profiles-dir", str(profiles_dir or project.project_dir), "--target-path", str(target),
         "--log-path", str(target)],
        cwd=project.project_dir, capture_output=True, text=True)
    if done.returncode != 0:
        said = (done.stdout + done.stderr).strip().splitlines()[-20:]
        raise RuntimeError(f"dbt parse failed (exit {done.returncode}):\n" + "\n".join(said))


@dataclass(frozen=True)
class ProjectFiles:
    """A dbt project folder and where its parse writes the manifest (`Preparable`, without
    dagster-dbt's DbtProject)."""

    project_dir: Path
    manifest_path: Path


PROJECT = ProjectFiles(DBT_PROJECT_DIR, DBT_PROJECT_DIR / "target" / "manifest.json")  # = defs.resources.dbt_project


def ensure_manifest_for(project: Preparable, warehouse: Path) -> bool:
    """`ensure_manifest`, and a parse saved as `warehouse`'s (orchestration/dbt_target.py) when it
    has none yet, so that its first `dbt build` starts from a partial parse instead of parsing the
    whole project again (~9 s: dbt discards a parse made with another profile, and the project's
    is made with its own). One `dbt parse` with the warehouse's profile does both when the
    manifest is out of date. What `ascw demo` runs beside the generator. True when it parsed."""
    profiles = profiles_dir_for(warehouse)
    if ensure_manifest(project, lambda p: parse(p, profiles)):
        save_parse(profiles, project.manifest_path.parent, overwrite=False)
        return True
    if (profiles / PARTIAL_PARSE).exists():
        return False
    with tempfile.TemporaryDirectory(prefix=".parse-", dir=profiles) as tmp:
        target = Path(tmp)
        parse(ProjectFiles(project.project_dir, target / "manifest.json"), profiles)
        save_parse(profiles, target, overwrite=False)
    return True
