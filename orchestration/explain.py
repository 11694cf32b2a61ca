"""`ascw explain`: where a mart's figures come from.

For the mart rows of a month matching `--where column=value` filters, it prints the rows, the dbt
models (and sources and seeds) upstream of the mart from the dbt manifest, the council's source
files of the month with SHA-256 and rows loaded / rejected (as the published manifest lists them),
and, for the marts that `orchestration/figure_rows.py` traces, the source rows that make each
mart row as `file:line` (person identifiers are keyed hashes). Read-only on the warehouse.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from orchestration.figure_rows import TRACED
from orchestration.pack.manifest import source_files

PROJECT = "ascw"


class ExplainError(ValueError):
    """A usage error: unknown mart or column, malformed filter (exit 2)."""


def parse_where(filters: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for f in filters:
        column, sep, value = f.partition("=")
        if not sep or not column.strip():
            raise ExplainError(f"--where {f!r}: expected column=value")
        out.append((column.strip(), value.strip()))
    return out


def upstream(manifest: dict[str, Any], table: str) -> list[str]:
    """Every node upstream of the mart's model (models, seeds, sources), as `type schema.name`,
    sorted; the mart itself first."""
    nodes = {**manifest.get("nodes", {}), **manifest.get("sources", {})}
    start = f"model.{PROJECT}.{table}"
    if start not in nodes:
        raise ExplainError(f"{table} is not a model of the dbt manifest")
    seen, todo = set(), [start]
    while todo:
        uid = todo.pop()
        if uid in seen:
            continue
        seen.add(uid)
        todo += nodes.get(uid, {}).get("depends_on", {}).get("nodes", [])

    def label(uid: str) -> str:
        n = nodes[uid]
        name = n.get("alias") or n.get("identifier") or n["name"]
        return f"{n['resource_type']} {n['schema']}.{name}"

    return [label(start)] + sorted(label(u) for u in seen - {start} if u in nodes)


def mart_rows(con: duckdb.DuckDBPyConnection, table: str, month: str, where: list[tuple[str, str]]) -> list[dict[str, Any]]:
    columns = [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?"
        " order by ordinal_position", [table]).fetchall()]
    if not columns:
        raise ExplainError(f"marts.{table} is not in the warehouse")
    unknown = [c for c, _ in where if c not in columns]
    if unknown:
        raise ExplainError(f"marts.{table} has no column {', '.join(unknown)} (columns: {', '.join(columns)})")
    conditions = ["cast(month as date) = cast(? as date)"] + [f'cast("{c}" as varchar) = ?' for c, _ in where]
    cur = con.execute(f'select * from marts."{table}" where {" and ".join(conditions)} order by all',
                      [month + "-01", *(v for _, v in where)])
    return [dict(zip(columns, r)) for r in cur.fetchall()]


def contributing_rows(con: duckdb.DuckDBPyConnection, table: str, row: dict[str, Any]) -> list[dict[str, Any]]:
    sql, params = TRACED[table](row)
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def explain(con: duckdb.DuckDBPyConnection, manifest: dict[str, Any], table: str, month: str,
            where: list[tuple[str, str]]) -> list[str]:
    """The report's lines."""
    rows = mart_rows(con, table, month, where)
    condition = ", ".join(f"{c}={v}" for c, v in where)
    out = [f"marts.{table}, {month}{', ' + condition if condition else ''}: {len(rows)} row(s)"]
    out += ["  " + "  ".join(f"{k}={_text(v)}" for k, v in r.items()) for r in rows]
    models = upstream(manifest, table)
    out += ["", f"Upstream of marts.{table} (dbt manifest, {len(models) - 1} nodes):"] + [f"  {m}" for m in models]
    for council in sorted({r["council_code"] for r in rows}):
        files = source_files(con, month, council)
        out += ["", f"Source files of {council} {month} ({len(files)}):"]
        out += [f"  {f['file']}  sha256 {f['sha256']}  rows loaded {f['rows_loaded']}, rejected {f['rows_rejected']}"
                f"  ({f['status']})" for f in files]
    out += ["", "Source rows are the latest version of each record (a later month's file restates earlier months)."]
    if table not in TRACED:
        out += ["", f"Source rows: not traced for {table} (traced: {', '.join(sorted(TRACED))})."]
        return out
    for i, row in enumerate(rows, 1):
        lines = contributing_rows(con, table, row)
        key = "  ".join(f"{k}={v}" for k, v in row.items() if isinstance(v, str) and k != "council_code")
        out += ["", f"Source rows of row {i} ({key}): {len(lines)}"]
        out += [f"  {r['file']}:{r['line']}  [{r['role']}]  "
                + "  ".join(f"{k}={_text(v)}" for k, v in r.items() if k not in ("file", "line", "role"))
                for r in lines]
    return out


def read_manifest(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))
