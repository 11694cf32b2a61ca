"""Small SQL helpers shared by the gate modules."""
from __future__ import annotations

from typing import Any

import duckdb

from sources.contracts import FileType


def q(name: str) -> str:
    """Quote an identifier (column names keep their published spelling)."""
    return '"' + name.replace('"', '""') + '"'


def qualified(table: str) -> str:
    """``raw.las_cld`` -> ``"raw"."las_cld"`` (a name without schema is left unqualified)."""
    return ".".join(q(p) for p in table.split(".", 1))


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, _, name = table.rpartition(".")
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND (? = '' OR table_schema = ?)",
        [name, schema, schema],
    ).fetchone()
    return bool(row and row[0])


def raw_table(ft: FileType) -> str:
    return f"raw.{ft.raw_table}"


def partition_filter(ft: FileType) -> tuple[str, bool]:
    """WHERE clause selecting the rows a month's run checks, and whether it takes the month.

    Monthly files: the month's partition.  Reference and annual files: every row (they are not
    partitioned by month; they are checked with each month so that month's report shows them).
    """
    if ft.scope == "monthly":
        return "_month = ?", True
    return "TRUE", False


def files_in(con: duckdb.DuckDBPyConnection, table: str, where: str, params: list[Any]) -> list[str]:
    rows = con.execute(
        f"SELECT DISTINCT _file FROM {qualified(table)} WHERE {where} AND _file IS NOT NULL ORDER BY 1", params
    ).fetchall()
    return [r[0] for r in rows]


def file_label(files: list[str], fallback: str) -> str:
    return ", ".join(files) if files else fallback
