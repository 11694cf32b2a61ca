"""A region warehouse: several councils' raw rows in one DuckDB file, built by one `dbt build`.

Every dbt model carries `council_code` (dbt_project/macros/council.sql): with var multi_council
(`ASCW_MULTI_COUNCIL=1`) staging takes each raw row's council from the lineage column
`_council`, and every join, window and grouping downstream is keyed on it, so each council gets
the rows its own warehouse would give it (tests/test_multi_council_build.py). dbt's fixed cost
(~200 nodes of Python per build) is then paid once per region instead of once per council. A
region build leaves dbt's unit tests out (`--exclude-resource-type unit_test`): their given rows
have no `_council`; they test the models' logic, which each council's own build runs.

`combine_councils` fills a region warehouse's raw schema from councils' own warehouses: every raw
table as the union of every council's rows, each with `_council` set. That includes the CQC and
ONS tables: a council may load the national files or ones filtered to its area (the real CQC
sample is Lincolnshire's), so each council's CQC and ONS rows stay its own and its CQC and
demography marts come from exactly the files it loaded. The councils' warehouses are only read.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb

from orchestration.gates.sqlutil import q as _quote
from sources.contracts import COUNCIL_COLUMN, FILE_TYPES, RAW_SCHEMA
from sources.csv_io import sql_string as duckdb_literal

MULTI_COUNCIL_ENV = "ASCW_MULTI_COUNCIL"


def combine_councils(target: Path, councils: Mapping[str, Path]) -> dict[str, int]:
    """Create (or replace) the raw tables of `target` from the councils' warehouses
    (council code -> DuckDB file), each council's rows with `_council` = its code.
    Returns rows per raw table."""
    if not councils:
        raise ValueError("combine_councils: no councils")
    con = duckdb.connect(str(target))
    try:
        aliases = {}
        for i, (code, path) in enumerate(councils.items()):
            alias = f"council_{i}"
            con.execute(f"ATTACH {duckdb_literal(str(path))} AS {alias} (READ_ONLY)")
            aliases[code] = alias
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
        rows: dict[str, int] = {}
        for ft in FILE_TYPES.values():
            table = f"{RAW_SCHEMA}.{_quote(ft.raw_table)}"
            select = " UNION ALL ".join(
                f"SELECT *, {duckdb_literal(code)} AS {COUNCIL_COLUMN} FROM {alias}.{table}"
                for code, alias in aliases.items()
            )
            con.execute(f"CREATE OR REPLACE TABLE {table} AS {select}")
            rows[ft.raw_table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for alias in aliases.values():
            con.execute(f"DETACH {alias}")
        return rows
    finally:
        con.close()


def mart_digests(db: Path, council: str | None = None, where: Mapping[str, str] | None = None) -> dict[str, str]:
    """Mart name -> an order-independent digest of its rows without `council_code`, only
    `council`'s rows when given (and those matching `where[mart]`, a SQL condition, when given):
    equal digests, equal marts (a region warehouse's council against its own warehouse)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for table, column in con.execute(
            "select table_name, column_name from information_schema.columns"
            " where table_catalog = current_database() and table_schema = 'marts'"
            " order by table_name, ordinal_position"
        ).fetchall():
            columns.setdefault(table, []).append(column)
        digests = {}
        for table, cols in columns.items():
            keep = ", ".join(_quote(c) for c in cols if c != "council_code")
            conditions = [f"({where[table]})"] if where and table in where else []
            if council is not None and "council_code" in cols:
                conditions.append(f"council_code = {duckdb_literal(council)}")
            filtered = f" where {' and '.join(conditions)}" if conditions else ""
            row = con.execute(
                f"select count(*), coalesce(sum(hash(t)), 0)::varchar"
                f" from (select {keep} from marts.{_quote(table)}{filtered}) t"
            ).fetchone()
            digests[table] = f"{row[0]} rows, {row[1]}"
        return digests
    finally:
        con.close()
