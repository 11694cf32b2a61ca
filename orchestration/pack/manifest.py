"""manifest.json: what was published, from what, checked how, with which tools (deterministic JSON)."""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import platform
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from orchestration.pack.columns import is_published_column

TOOLS = ("duckdb", "dbt-core", "dagster", "great_expectations", "pandas", "openpyxl")
RESERVED = ("period", "council", "published_at", "files", "suppression", "tool_versions", "tables", "pack_format",
            "version", "revisions", "months_left_out", "reissue")
# 2: the tracked tables' `revised` column, `[x]` for a blocked month, version/revisions/months_left_out/reissue.
PACK_FORMAT = "ascw-pack/2"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tool_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in TOOLS:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            try:
                versions[name] = importlib.metadata.version(name.replace("_", "-"))
            except importlib.metadata.PackageNotFoundError:
                versions[name] = "not installed"
    return versions


def without_person_level(value: Any) -> Any:
    """Drop, at any depth, keys that could carry person-level data (check `examples`, person ids,
    postcodes) from what the caller passes in: the manifest is published too."""
    if isinstance(value, Mapping):
        return {k: without_person_level(v) for k, v in value.items()
                if str(k).lower() not in ("examples", "example_rows", "sample_rows") and is_published_column(str(k))}
    if isinstance(value, (list, tuple)):
        return [without_person_level(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
    return str(value)


def manifest_bytes(
    *, period: str, council: str, published_at: dt.datetime, manifest_extra: Mapping[str, Any],
    files: Mapping[str, bytes], suppression: Sequence[Mapping[str, Any]], tables: Sequence[Mapping[str, Any]],
    version: int = 1, revisions: Sequence[Mapping[str, Any]] = (), months_left_out: Sequence[Mapping[str, Any]] = (),
    reissue: Mapping[str, Any] | None = None,
) -> bytes:
    """`version`: 1 for a month's first publication, then 2, 3... for re-issues, each with `reissue`
    (version, reason, replaces). `revisions`: figures revised since first published; `months_left_out`:
    blocked months whose figures the pack does not show (orchestration/pack/revisions.py)."""
    manifest: dict[str, Any] = {
        "pack_format": PACK_FORMAT,
        "period": period,
        "council": council,
        "version": version,
        "revisions": list(revisions),
        "months_left_out": list(months_left_out),
        "published_at": published_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source_files": [],
        "checks": [],
        "tool_versions": tool_versions(),
        "tables": list(tables),
        "suppression": list(suppression),
        "files": [{"name": name, "bytes": len(data), "sha256": sha256(data)} for name, data in sorted(files.items())],
    }
    if reissue:
        manifest["reissue"] = dict(reissue)
    for key, value in without_person_level(manifest_extra).items():
        if key in RESERVED:
            manifest.setdefault("extra", {})[key] = value
        else:
            manifest[key] = value
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, default=_json_default) + "\n").encode("utf-8")


def source_files(con: duckdb.DuckDBPyConnection, month: str, council: str) -> list[dict]:
    """The council's source files of the month, its reference files in force and the survey file
    its survey KPIs use (the latest survey year up to the month's year, whichever folder it came
    in), with SHA-256 and row counts."""
    rows = con.execute(
        """
        with ranked as (
          select *, row_number() over (partition by file_type, month order by loaded_at desc) rn
          from raw._load_log
          where council_code = $council and (month = cast($month as date) or month is null)
        ),
        surveys as (
          select *,
                 try_cast(regexp_extract(file, '(\\d{4})', 1) as integer) as survey_year,
                 row_number() over (partition by file order by loaded_at desc) rn
          from raw._load_log
          where council_code = $council and file_type = 'ascs_responses'
        ),
        survey_in_force as (
          select * from surveys
          where rn = 1 and status = 'loaded' and survey_year <= year(cast($month as date))
          order by survey_year desc, loaded_at desc
          limit 1
        )
        select file_type, file, sha256, rows_read, rows_loaded, rows_rejected, status
        from (
          select *, 0 as part from ranked where rn = 1
          union all by name
          select * exclude (survey_year), 1 as part from survey_in_force
          where month is distinct from cast($month as date)  -- else listed with the month's files
        )
        order by part, month nulls first, file_type
        """,
        {"month": month + "-01", "council": council},
    ).fetchall()
    keys = ["file_type", "file", "sha256", "rows_read", "rows_loaded", "rows_rejected", "status"]
    return [dict(zip(keys, r)) for r in rows]
