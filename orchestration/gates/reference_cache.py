"""Reference and annual files are validated once per content, not again with every month.

Per council: each council loads its own reference files, so each has its own fingerprints and
stored results.

Their checks do not depend on the month (``source_checks`` step 3: validated once, copied to
every month), and the files change a few times a year while the refresh runs monthly. A run
therefore reuses the last results when nothing that decides them has changed; the fingerprint
covers all of it:
- the rows: each reference/annual raw table's row count and an order-independent hash of all
  its rows, load ids included (a reloaded file, or a row edited in place, changes it);
- the rules: each file type's committed suite (``expectations/<key>.json``);
- the thresholds and severities: the whole ``GateConfig``;
- the checking code: the source of the ``orchestration.gates`` modules and of the landing
  contract (``sources/contracts.py``) the checks' SQL is built from.
Each file type has its own fingerprint and stored results, so a difference re-validates that
file type alone (a month delivering a new survey file re-validates the survey, not the census or
the element map), or every type when the rules, thresholds or code changed. A file type's gate
rejects in ``raw._rejects`` (month NULL) were written by the run that computed its results and
are left as they are when its results are reused.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import duckdb

from orchestration.gates.config import GateConfig
from orchestration.gates.results import AUDIT_SCHEMA, CheckResult, to_json
from orchestration.gates.sqlutil import raw_table, table_exists
from orchestration.gates.suites import suite_path
from sources import contracts
from sources.contracts import FileType

CACHE_TABLE = f"{AUDIT_SCHEMA}.reference_check_results"
CACHE_DDL = f"""CREATE TABLE IF NOT EXISTS {CACHE_TABLE} (
  council_code VARCHAR, file_type VARCHAR, fingerprint VARCHAR, results JSON,
  computed_at TIMESTAMP DEFAULT current_timestamp
)"""
GATES_DIR = Path(__file__).resolve().parent
CODE_FILES = (*sorted(GATES_DIR.glob("*.py")), Path(contracts.__file__))


def code_digest(files: Iterable[Path] = CODE_FILES) -> str:
    """SHA-256 over the checking code's source, in the order given."""
    h = hashlib.sha256()
    for path in files:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def content_digest(con: duckdb.DuckDBPyConnection, ft: FileType, council: str) -> str:
    """Row count and an order-independent hash of every row of the council (all columns, load ids
    included) of the file type's raw table: a reloaded file, or a row changed in place, changes it."""
    table = raw_table(ft)
    if not table_exists(con, table):
        return "<no table>"
    row = con.execute(f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {table} AS t WHERE _council = ?",
                      [council]).fetchone()
    return f"{row[0]}:{row[1]}" if row else ""


def fingerprint(
    con: duckdb.DuckDBPyConnection, council: str, file_types: Iterable[FileType], config: GateConfig,
    code: str | None = None,
) -> str:
    """What decides the council's check results of ``file_types``, as one SHA-256 hex digest
    (``code``: the ``code_digest()`` when the caller has it already)."""
    h = hashlib.sha256()
    for ft in file_types:
        suite = suite_path(ft.key)
        h.update(f"{ft.key}\0{content_digest(con, ft, council)}\0".encode())
        h.update(suite.read_bytes() if suite.exists() else b"<no suite>")
    h.update(repr(config).encode())
    h.update((code or code_digest()).encode())
    return h.hexdigest()


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Create the cache table if missing. A cache of an earlier layout (before each council and
    file type had its own results) is dropped first (recomputed once)."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {AUDIT_SCHEMA}")
    schema, table = CACHE_TABLE.split(".")
    per_type = con.execute(
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? AND column_name = 'council_code'", [schema, table]
    ).fetchone()
    if table_exists(con, CACHE_TABLE) and not (per_type and per_type[0]):
        con.execute(f"DROP TABLE {CACHE_TABLE}")
    con.execute(CACHE_DDL)


def cached_results(con: duckdb.DuckDBPyConnection, council: str, file_type: str, key: str) -> list[CheckResult] | None:
    """The council's stored results of ``file_type`` for fingerprint ``key``, or None (after ``prepare``)."""
    row = con.execute(
        f"SELECT results FROM {CACHE_TABLE} WHERE council_code = ? AND file_type = ? AND fingerprint = ?",
        [council, file_type, key],
    ).fetchone()
    if row is None:
        return None
    return [CheckResult(**d) for d in json.loads(row[0])]


def store_results(con: duckdb.DuckDBPyConnection, council: str, file_type: str, key: str,
                  results: list[CheckResult]) -> None:
    """Keep ``results`` as the council's ``file_type`` results for fingerprint ``key`` (one row per
    council and type; after ``prepare``)."""
    con.execute(f"DELETE FROM {CACHE_TABLE} WHERE council_code = ? AND file_type = ?", [council, file_type])
    con.execute(f"INSERT INTO {CACHE_TABLE} (council_code, file_type, fingerprint, results) VALUES (?, ?, ?, ?)",
                [council, file_type, key, to_json([r.to_dict() for r in results])])
