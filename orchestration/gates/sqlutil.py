"""Small SQL helpers shared by the gate modules."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import duckdb

from orchestration.months import month_end, month_label, parse_month
from orchestration.partitions_key import Part
from sources.contracts import FileType


def q(name: str) -> str:
    """Quote an identifier (column names keep their published spelling)."""
    return '"' + name.replace('"', '""') + '"'


def qualified(table: str) -> str:
    """``raw.las_cld`` -> ``"raw"."las_cld"`` (a name without schema is left unqualified)."""
    return ".".join(q(p) for p in table.split(".", 1))


@dataclass(frozen=True)
class _Catalog:
    con: duckdb.DuckDBPyConnection
    tables: frozenset[tuple[str, str]]  # (schema, name)
    columns: dict[str, list[tuple[str, str]]]  # raw table name -> (column, data type)


_CATALOG: ContextVar[_Catalog | None] = ContextVar("gates_catalog", default=None)


@contextmanager
def catalog_snapshot(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Answer ``table_exists`` / ``raw_column_types`` for ``con`` from one read of the catalog
    (DuckDB's catalog views cost a few ms a query) while checks that create no tables run."""
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, typ in con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'raw' ORDER BY table_name, ordinal_position"
    ).fetchall():
        columns.setdefault(table, []).append((column, typ))
    tables = frozenset(con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall())
    token = _CATALOG.set(_Catalog(con, tables, columns))
    try:
        yield
    finally:
        _CATALOG.reset(token)


def _snapshot(con: duckdb.DuckDBPyConnection) -> _Catalog | None:
    snap = _CATALOG.get()
    return snap if snap is not None and snap.con is con else None


def raw_column_types(con: duckdb.DuckDBPyConnection, table_name: str) -> list[tuple[str, str]]:
    """(column, data type) of ``raw.<table_name>``."""
    snap = _snapshot(con)
    if snap is not None:
        return list(snap.columns.get(table_name, []))
    return con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = ?",
        [table_name],
    ).fetchall()


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """The query's rows as dicts keyed by column name."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, _, name = table.rpartition(".")
    snap = _snapshot(con)
    if snap is not None:
        return any(n == name and (not schema or sch == schema) for sch, n in snap.tables)
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND (? = '' OR table_schema = ?)",
        [name, schema, schema],
    ).fetchone()
    return bool(row and row[0])


def raw_table(ft: FileType) -> str:
    return f"raw.{ft.raw_table}"


def partition_filter(ft: FileType, part: Part) -> tuple[str, list[Any]]:
    """WHERE clause selecting the rows a council-month's run checks, and its parameters.

    Monthly files: the council's month.  Reference and annual files: every row of the council
    (they are not partitioned by month; they are checked with each month so that month's report
    shows them).
    """
    if ft.scope == "monthly":
        return "_council = ? AND _month = ?", [part.council, parse_month(part.month)]
    return "_council = ?", [part.council]


def files_in(con: duckdb.DuckDBPyConnection, table: str, where: str, params: list[Any]) -> list[str]:
    rows = con.execute(
        f"SELECT DISTINCT _file FROM {qualified(table)} WHERE {where} AND _file IS NOT NULL ORDER BY 1", params
    ).fetchall()
    return [r[0] for r in rows]


def file_label(files: list[str], fallback: str) -> str:
    return ", ".join(files) if files else fallback


def parts_values(parts: list[Part]) -> str:
    """A VALUES list of (council, first day, last day) for `parts`, to join raw rows on
    ``_council`` and ``_month`` (parts are council codes and months: no quoting issue, but quoted)."""
    return ", ".join(
        f"({sql_literal(p.council)}, DATE '{parse_month(p.month).isoformat()}', DATE '{month_end(p.month).isoformat()}')"
        for p in sorted(set(parts))
    )


def files_by_part(con: duckdb.DuckDBPyConnection, table: str, parts: list[Part]) -> dict[Part, list[str]]:
    """Each council-month -> the distinct files of its rows (parts without rows are absent)."""
    if not parts:
        return {}
    rows = con.execute(
        f"""SELECT _council, _month, list(DISTINCT _file ORDER BY _file) FROM {qualified(table)}
            JOIN (VALUES {parts_values(parts)}) AS _p(c, s, e) ON _council = _p.c AND _month = _p.s
            WHERE _file IS NOT NULL GROUP BY 1, 2""",
    ).fetchall()
    return {Part(c, month_label(m)): list(files) for c, m, files in rows}


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
