"""Bring a warehouse built by an earlier version (one council per DuckDB file) to the council-keyed
layout, in place, the first time a refresh opens it.

Until 2026-12-07 a warehouse held one council and its rows carried no council: raw tables had no
`_council`, `raw._load_log` / `raw._rejects` and `audit.check_results` no `council_code`, and
`audit.gate_decisions` / `audit.publications` were keyed by month alone. Such a file's council is
the one its CLD rows name (the most frequent `LA Code`); every row gets it. The stored reference
check results are dropped (recomputed on the next run), and the dbt tables are rebuilt by the next
build anyway (the dbt project changed: orchestration/dbt_incremental.py). One transaction: a
failure leaves the file as it was.
"""
from __future__ import annotations

import duckdb

from orchestration.decisions import DECISIONS_DDL
from orchestration.gates.sqlutil import q
from sources.contracts import COUNCIL_COLUMN, FILE_TYPES, RAW_SCHEMA
from sources.csv_io import sql_string

COUNCIL_KEYED = {  # table -> the council column it must have
    **{f"{RAW_SCHEMA}.{ft.raw_table}": COUNCIL_COLUMN for ft in FILE_TYPES.values()},
    f"{RAW_SCHEMA}._load_log": "council_code",
    f"{RAW_SCHEMA}._rejects": "council_code",
    "audit.check_results": "council_code",
}
REKEYED = ("audit.gate_decisions", "audit.publications")  # primary key (month) -> (council_code, month)
DROPPED = ("audit.reference_check_results",)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str] | None:
    schema, name = table.split(".")
    rows = con.execute("select column_name from duckdb_columns() where database_name = current_database()"
                       " and schema_name = ? and table_name = ?", [schema, name]).fetchall()
    return [r[0] for r in rows] or None


def council_of_old_rows(con: duckdb.DuckDBPyConnection) -> str | None:
    if _columns(con, f"{RAW_SCHEMA}.las_cld") is None:
        return None
    row = con.execute('select upper(trim("LA Code")) from raw.las_cld where "LA Code" is not null'
                      " group by 1 order by count(*) desc, 1 limit 1").fetchone()
    return row[0] if row else None


def needs_upgrade(con: duckdb.DuckDBPyConnection) -> bool:
    for table, column in COUNCIL_KEYED.items():
        cols = _columns(con, table)
        if cols is not None and column not in cols:
            return True
    return any((cols := _columns(con, t)) is not None and "council_code" not in cols for t in REKEYED)


def upgrade_to_council_key(con: duckdb.DuckDBPyConnection, fallback_council: str | None = None) -> str | None:
    """Upgrade the warehouse of `con` if it has the one-council layout; what was done, or None."""
    if not needs_upgrade(con):
        return None
    council = council_of_old_rows(con) or fallback_council
    if not council:
        raise RuntimeError("the warehouse has the one-council layout of an earlier version, but no CLD rows to "
                           "tell its council: give --council, or rebuild it with `ascw refresh --all`")
    code = sql_string(council)
    con.execute("BEGIN TRANSACTION")
    try:
        for table, column in COUNCIL_KEYED.items():
            cols = _columns(con, table)
            if cols is not None and column not in cols:
                schema, name = table.split(".")
                con.execute(f"ALTER TABLE {q(schema)}.{q(name)} ADD COLUMN {q(column)} VARCHAR DEFAULT {code}")
                con.execute(f"ALTER TABLE {q(schema)}.{q(name)} ALTER COLUMN {q(column)} DROP DEFAULT")
        old = [t for t in REKEYED if (cols := _columns(con, t)) is not None and "council_code" not in cols]
        for table in old:
            con.execute(f"ALTER TABLE {table} RENAME TO {table.split('.')[1]}__one_council")
        con.execute(DECISIONS_DDL)  # the council-keyed tables
        for table in old:
            con.execute(f"INSERT INTO {table} SELECT {code}, * FROM {table}__one_council")
            con.execute(f"DROP TABLE {table}__one_council")
        for table in DROPPED:
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return f"upgraded to one warehouse for many councils: every row of the earlier layout is council {council}'s"
