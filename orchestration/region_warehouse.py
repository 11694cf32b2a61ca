"""A region warehouse: several councils' raw rows in one DuckDB file, built by one `dbt build`.

Every dbt model carries `council_code` (dbt_project/macros/council.sql): with var multi_council
(`ASCW_MULTI_COUNCIL=1`) staging takes each raw row's council from the lineage column
`_council`, and every join, window and grouping downstream is keyed on it, so each council gets
the rows its own warehouse would give it (tests/test_multi_council_build.py). dbt's fixed cost
(~200 nodes of Python per build) is then paid once per region instead of once per council. A
region build leaves dbt's unit tests out (`--exclude-resource-type unit_test`): their given rows
have no `_council`; they test the models' logic, which each council's own build runs.

`combine_councils` fills a region warehouse's raw schema from councils' own warehouses: the
council-scoped tables (contracts.COUNCIL_SCOPED_FILE_TYPES) as the union of every council's rows
with `_council` set; the national ones (CQC, ONS) from the first council's. National files are the
same for every council (one CQC directory, one ONS release), so by default the councils' load logs
must show the same files (SHA-256) for every national file type and month; `national="first"`
takes the first council's whatever the others loaded (the benchmark's generated councils each get
a CQC directory of their own area: see bench/benchmark.py). The councils' warehouses are only read.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb

from orchestration.gates.sqlutil import q as _quote
from sources.contracts import COUNCIL_COLUMN, COUNCIL_SCOPED_FILE_TYPES, FILE_TYPES, RAW_SCHEMA
from sources.csv_io import sql_string as duckdb_literal

MULTI_COUNCIL_ENV = "ASCW_MULTI_COUNCIL"


class NationalFilesDiffer(ValueError):
    """The councils of a region loaded different national files (CQC, ONS)."""


def national_files(con: duckdb.DuckDBPyConnection, alias: str) -> set[tuple[str, str, str]]:
    """(file type, month, SHA-256) of the national files whose rows a council's raw tables hold:
    the latest load of each national file type and month (reference files: month '')."""
    scoped = [ft.key for ft in COUNCIL_SCOPED_FILE_TYPES]
    rows = con.execute(
        f"select file_type, coalesce(cast(month as varchar), ''), sha256 from {alias}.{RAW_SCHEMA}._load_log"
        " where status in ('loaded', 'unchanged') and not list_contains(?, file_type)"
        " qualify row_number() over (partition by file_type, month order by loaded_at desc) = 1",
        [scoped],
    ).fetchall()
    return {(str(t), str(m), str(h)) for t, m, h in rows}


def combine_councils(target: Path, councils: Mapping[str, Path], national: str = "same") -> dict[str, int]:
    """Create (or replace) the raw tables of `target` from the councils' warehouses
    (council code -> DuckDB file). Returns rows per raw table. `national`: "same" (the councils
    must have loaded the same national files, else NationalFilesDiffer naming the first
    difference) or "first" (the first council's national rows, unchecked)."""
    if not councils:
        raise ValueError("combine_councils: no councils")
    if national not in ("same", "first"):
        raise ValueError(f"combine_councils: national must be 'same' or 'first', not {national!r}")
    scoped = {ft.raw_table for ft in COUNCIL_SCOPED_FILE_TYPES}
    con = duckdb.connect(str(target))
    try:
        aliases = {}
        for i, (code, path) in enumerate(councils.items()):
            alias = f"council_{i}"
            con.execute(f"ATTACH {duckdb_literal(str(path))} AS {alias} (READ_ONLY)")
            aliases[code] = alias
        first_code, first = next(iter(aliases.items()))
        if national == "same":
            expected = national_files(con, first)
            for code, alias in aliases.items():
                differ = sorted(expected ^ national_files(con, alias))
                if differ:
                    kind, month, _ = differ[0]
                    raise NationalFilesDiffer(
                        f"{code} and {first_code} loaded different national files ({kind}"
                        f"{' ' + month if month else ''}): a region warehouse needs the same CQC and"
                        " ONS files in every council's landing"
                    )
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
        rows: dict[str, int] = {}
        for ft in FILE_TYPES.values():
            table = f"{RAW_SCHEMA}.{_quote(ft.raw_table)}"
            if ft.raw_table in scoped:
                select = " UNION ALL ".join(
                    f"SELECT *, {duckdb_literal(code)} AS {COUNCIL_COLUMN} FROM {alias}.{table}"
                    for code, alias in aliases.items()
                )
            else:
                select = f"SELECT * FROM {first}.{table}"
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
