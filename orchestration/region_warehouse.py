"""A region warehouse: several councils' raw rows in one DuckDB file, built by one `dbt build`.

Every dbt model carries `council_code` (dbt_project/macros/council.sql): with var multi_council
(`ASCW_MULTI_COUNCIL=1`) staging takes each raw row's council from the lineage column
`_council`, and every join, window and grouping downstream is keyed on it, so each council gets
the rows its own warehouse would give it (tests/test_multi_council_build.py). dbt's fixed cost
(~200 nodes of Python per build) is then paid once per region instead of once per council. A
region build leaves dbt's unit tests out (`--exclude-resource-type unit_test`): their given rows
have no `_council`; they test the models' logic, which each council's own build runs.

`combine_councils` makes a region warehouse's raw schema from councils' own warehouses: every raw
table a view, the union of every council's rows, each with `_council` set. That includes the CQC
and ONS tables: a council may load the national files or ones filtered to its area (the real CQC
sample is Lincolnshire's), so each council's CQC and ONS rows stay its own and its CQC and
demography marts come from exactly the files it loaded. The views read the councils' files,
attached read-only by the dbt build (profiles.yml's `attach`, from ASCW_ATTACH): copying the raw
rows into the region's file instead took 41 s for 50 councils (16 M rows, 800 MB written), while
the build scans each raw table once either way. The councils' warehouses are only read, and are
not written while the region build runs (their refreshes are between stages then).
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb

from orchestration.gates.sqlutil import q as _quote
from sources.contracts import COUNCIL_COLUMN, FILE_TYPES, RAW_SCHEMA
from sources.csv_io import sql_string as duckdb_literal

MULTI_COUNCIL_ENV = "ASCW_MULTI_COUNCIL"
ATTACH_ENV = "ASCW_ATTACH"  # a Python list literal of dbt-duckdb attachments (profiles.yml)


def combine_councils(target: Path, councils: Mapping[str, Path]) -> dict[str, str]:
    """Create (or replace) the raw schema of `target` as views over the councils' warehouses
    (council code -> DuckDB file): each raw table the union of every council's, each row with
    `_council` = its code. Nothing is copied: the views read the councils' files, attached
    read-only under the aliases returned (alias -> file), which whoever reads them (the dbt
    build: `attach_env`) must attach first."""
    if not councils:
        raise ValueError("combine_councils: no councils")
    attachments = council_attachments(councils)
    con = duckdb.connect(str(target))
    try:
        for alias, path in attachments.items():
            con.execute(f"ATTACH {duckdb_literal(path)} AS {alias} (READ_ONLY)")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
        copied = {name for (name,) in con.execute(  # a region file whose raw rows were copied
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            " AND schema_name = $s", {"s": RAW_SCHEMA}).fetchall()}
        for ft in FILE_TYPES.values():
            table = f"{RAW_SCHEMA}.{_quote(ft.raw_table)}"
            select = " UNION ALL ".join(
                f"SELECT *, {duckdb_literal(code)} AS {COUNCIL_COLUMN} FROM {alias}.{table}"
                for code, alias in zip(councils, attachments)
            )
            if ft.raw_table in copied:
                con.execute(f"DROP TABLE {table}")
            con.execute(f"CREATE OR REPLACE VIEW {table} AS {select}")  # last run's views replaced
        for alias in attachments:
            con.execute(f"DETACH {alias}")
        return attachments
    finally:
        con.close()


def council_attachments(councils: Mapping[str, Path]) -> dict[str, str]:
    """Alias -> file of each council's warehouse, in the order of `councils` (council code ->
    DuckDB file): the names a region warehouse's raw views read them under."""
    return {f"council_{i}": str(path) for i, path in enumerate(councils.values())}


def attach_env(attachments: Mapping[str, str]) -> dict[str, str]:
    """The environment for a dbt build of a region warehouse: the councils' files it reads,
    attached read-only by the dbt profile (dbt_project/profiles.yml, ASCW_ATTACH)."""
    return {ATTACH_ENV: repr([{"path": path, "alias": alias, "read_only": True}
                              for alias, path in attachments.items()])}


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
