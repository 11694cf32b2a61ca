"""`ascw sql`: the analysts' SQL shell on the warehouse (read-only) or on its Parquet copy.

    ascw sql [--warehouse FILE] [--parquet [--parquet-dir DIR]] [--csv] [-c SQL] [FILE.sql ...]

The `duckdb` Python package has no command-line shell, and the CLI on the package registry is an
older DuckDB than the one that writes the warehouse; this runs the same DuckDB as the pipeline.
With `--parquet` the marts are views over `<warehouse dir>/marts_parquet/<mart>.parquet` (absolute
paths) in a schema `marts` of an in-memory database, so the same `marts.<name>` queries run on
either, from any folder, and the Parquet copy never clashes with a running refresh.
SQL comes from `-c`, then the files, else standard input (a prompt when it is a terminal). Each
statement that returns rows prints them as a table (`--csv`: as CSV, with a header).
Exit 0; 1 on a SQL error (the message on stderr); 2 when the warehouse or Parquet folder is missing;
3 when a refresh holds the warehouse file (use --parquet).
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # imported when a command runs: `ascw --help` and the other commands need no DuckDB
    import duckdb

PROMPT, MORE = "ascw sql> ", "     ...> "
MAX_ROWS = 10_000


def add_arguments(sp: argparse.ArgumentParser, warehouse: Path) -> None:
    sp.add_argument("--warehouse", type=Path, default=warehouse, help="DuckDB file [ASCW_WAREHOUSE]")
    sp.add_argument("--parquet", action="store_true",
                    help="query the Parquet copy of the marts (<warehouse dir>/marts_parquet) as marts.<name>")
    sp.add_argument("--parquet-dir", type=Path, default=None, metavar="DIR",
                    help="with --parquet: another folder of <mart>.parquet files")
    sp.add_argument("--csv", action="store_true", help="print results as CSV")
    sp.add_argument("-c", dest="sql", action="append", default=[], metavar="SQL", help="SQL to run (repeatable)")
    sp.add_argument("files", nargs="*", type=Path, help=".sql files to run, in order")


def parquet_views(con: duckdb.DuckDBPyConnection, folder: Path) -> list[str]:
    """A schema `marts` of views, one per `<folder>/<mart>.parquet`: the marts' names."""
    names = sorted(p.stem for p in folder.glob("*.parquet"))
    con.execute("create schema if not exists marts")
    for name in names:
        path = str((folder / f"{name}.parquet").resolve()).replace("'", "''")
        con.execute(f"create or replace view marts.\"{name}\" as select * from read_parquet('{path}')")
    return names


def connect(warehouse: Path, parquet: bool = False, parquet_dir: Path | None = None) -> duckdb.DuckDBPyConnection:
    """The warehouse read-only, or (parquet) an in-memory database over its Parquet copy
    (`parquet_dir`, else `<warehouse dir>/marts_parquet`). FileNotFoundError when either is missing."""
    import duckdb

    if parquet or parquet_dir:
        folder = parquet_dir or (warehouse.parent / "marts_parquet")
        if not any(folder.glob("*.parquet")):
            raise FileNotFoundError(f"no Parquet copy of the marts in {folder} (a refresh writes it)")
        con = duckdb.connect()
        parquet_views(con, folder)
        return con
    if not warehouse.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse} (run `make demo`, or give --warehouse FILE)")
    return duckdb.connect(str(warehouse), read_only=True)


def statements(sql: str) -> list[str]:
    import duckdb

    return [s.query for s in duckdb.extract_statements(sql)]


def run(con: duckdb.DuckDBPyConnection, sql: str, out: TextIO, as_csv: bool = False) -> None:
    """Run every statement of `sql`; print the rows of each that returns any."""
    for query in statements(sql):
        rel = con.sql(query)
        if rel is None:
            continue
        if as_csv:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(rel.columns)
            writer.writerows(rel.fetchall())
        else:
            out.write(str(rel) if rel.shape[0] <= 40 else _long_table(rel))
            out.write("\n")


def _long_table(rel: duckdb.DuckDBPyRelation) -> str:
    cur = rel.limit(MAX_ROWS)
    rows = cur.fetchall()
    return "\t".join(rel.columns) + "\n" + "\n".join("\t".join("" if v is None else str(v) for v in r) for r in rows) \
        + (f"\n({rel.shape[0]} rows, the first {MAX_ROWS} shown)" if rel.shape[0] > MAX_ROWS else f"\n({len(rows)} rows)")


def _complete_chunks(lines: Iterable[str], interactive: bool) -> Iterable[str]:
    """Statements as typed: lines gathered until one ends with `;` (or the input ends)."""
    buf: list[str] = []
    if interactive:
        print(PROMPT, end="", flush=True)
    for line in lines:
        buf.append(line)
        if line.rstrip().endswith(";"):
            yield "".join(buf)
            buf = []
        if interactive:
            print(MORE if buf else PROMPT, end="", flush=True)
    if "".join(buf).strip():
        yield "".join(buf)


def main(args: argparse.Namespace) -> int:
    import duckdb

    try:
        con = connect(args.warehouse.resolve(), args.parquet, args.parquet_dir)
    except FileNotFoundError as exc:
        print(f"ascw sql: {exc}", file=sys.stderr)
        return 2
    except duckdb.IOException as exc:  # a refresh holds the file
        print(f"ascw sql: the warehouse is in use ({exc}); query its Parquet copy instead: ascw sql --parquet",
              file=sys.stderr)
        return 3
    sources = [*args.sql, *(p.read_text(encoding="utf-8") for p in args.files)]
    interactive = not sources and sys.stdin.isatty()
    chunks = sources or _complete_chunks(sys.stdin, interactive)
    code = 0
    try:
        for sql in chunks:
            try:
                run(con, sql, sys.stdout, args.csv)
            except duckdb.Error as exc:
                print(f"ascw sql: {exc}", file=sys.stderr)
                code = 1
                if not interactive:
                    break
    except BrokenPipeError:  # `ascw sql ... | head`: the reader has what it wanted
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - nothing more is written; the exit flushes it
    finally:
        con.close()
    return code
