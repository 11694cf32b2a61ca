"""The dbt profile of a warehouse: the project's `profiles.yml` with the warehouse file's path
written in, saved beside the warehouse (`<warehouse dir>/dbt/profiles.yml`).

dbt reads the DuckDB path from its profile. The project's own `profiles.yml` takes it from the
environment variable ASCW_WAREHOUSE (for analysts running dbt by hand); a refresh instead points
its dbt resource at this generated profile, so the warehouse a run builds is part of the run's
Dagster configuration rather than of the process environment. Everything else (threads, DuckDB
settings) is the project profile's.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from orchestration.settings import DBT_PROJECT_DIR

PROFILE = "ascw"
DBT_DIR = "dbt"  # beside the warehouse file (orchestration/dbt_target.py keeps its runs there too)


def profile_yaml(warehouse: Path, template: Path = DBT_PROJECT_DIR / "profiles.yml") -> str:
    doc = yaml.safe_load(template.read_text(encoding="utf-8"))
    for output in doc[PROFILE]["outputs"].values():
        output["path"] = str(warehouse.resolve())
    return "# Written by ascw from dbt_project/profiles.yml for this warehouse; do not edit.\n" + yaml.safe_dump(
        doc, sort_keys=False)


def profiles_dir_for(warehouse: Path) -> Path:
    """The folder holding the warehouse's profiles.yml, (re)written when its content differs."""
    folder = warehouse.resolve().parent / DBT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "profiles.yml"
    text = profile_yaml(warehouse)
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        tmp = folder / ".profiles.yml.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    return folder
