"""GX's verdicts on values, remembered: a value GX has judged under an expectation is not judged
again by the same expectation.

``batch_validation`` runs each row-level expectation over the DISTINCT values of its column(s),
and every expectation type it accepts (``ROW_WISE_TYPES``) judges a value on its own. So GX's
verdict on a value is a function of:
- the expectation: its type and kwargs, ``$PARAMETER`` placeholders resolved (its ``meta`` is
  only a name and a message); an expectation with ``mostly``, or on a personal column
  (``PERSONAL_COLUMNS``), is never remembered;
- the value as GX sees it: the DuckDB type(s) of the column(s) the frame is read from, and the
  value(s); for a not-null check of a text column, batch validation judges one value per
  nullness, and nullness is what is remembered;
- the software judging it: the great_expectations, pandas and duckdb versions, and ``FORMAT``.
``verdict_key`` is a SHA-256 over all of that. Most of a month's values were judged in an earlier
month or, in ``ascw refresh-region``, for another council (code lists, flags, dates of the month,
nullness), so GX only runs on the values nobody has judged (a new rate, a new date) and an
expectation whose values are all known costs no GX call; its verdicts are GX's all the same.

Remembering pays only for values that come back. A column of identifiers, amounts or dates
brings mostly new values every month and every council (a 50-council region's store reached
3.8 M verdicts, 99.8% of them under 21 such expectations, and loading them cost more than GX
judging the values again). So a key holding ``SATURATED_AT`` verdicts is *saturated*: GX judges
its values every time, as without a store, and no more are added; a run adds at most what keeps
a key at that size, and merging the files keeps at most that many per key.

The store is a folder of Parquet files of (key, value, unexpected): the value is the JSON of the
column(s) (``to_json`` of a struct, deterministic for a given type). A validation that judged new
values adds one file, written under a temporary name and renamed into place, so processes sharing
the folder (the councils of a region run) never see a half-written file and never overwrite each
other; past ``COMPACT_AT`` files the writer merges them into one. If reading the store fails (a
file compacted away under a concurrent reader, a damaged file) it counts as empty: GX judges
every value, as with no store.

Where: ``<warehouse folder>/gx_verdicts/`` (beside the warehouse, with its other by-products;
values only, never a row, and no value of a personal column),
or ``ASCW_GX_VERDICTS``; ``ascw refresh-region`` points its councils at one folder in its work
folder. Deleting the folder is always safe: it only costs GX time.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import uuid
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb

from orchestration.gates.sqlutil import q
from orchestration.gates.suites import SENSITIVE_COLUMNS, columns_of
from sources.contracts import FILE_TYPES

FORMAT = 1
COMPACT_AT = 32
SATURATED_AT = 2000  # verdicts per key: past this, a key's values are judged every time
ENV = "ASCW_GX_VERDICTS"
KNOWN = "_gate_verdicts_known"
NEW = "_gate_verdicts_new"
# Never remembered: a verdict file would list their values (dates of birth and death, and the
# pseudonymised person ids, which stay in the warehouse file).
PERSONAL_COLUMNS = SENSITIVE_COLUMNS | {c.name for ft in FILE_TYPES.values() for c in ft.columns if c.personal}


@functools.cache
def _versions() -> dict[str, str]:
    return {p: metadata.version(p) for p in ("great_expectations", "pandas", "duckdb")}


def resolved_kwargs(kwargs: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """The kwargs with every ``{"$PARAMETER": name}`` replaced by its value."""
    def resolve(v: Any) -> Any:
        if isinstance(v, dict) and set(v) == {"$PARAMETER"}:
            return parameters[v["$PARAMETER"]]
        return v

    return {k: resolve(v) for k, v in kwargs.items()}


def on_personal_column(expectation: dict[str, Any]) -> bool:
    """Whether the expectation reads a personal column (its verdicts are never remembered)."""
    return any(c in PERSONAL_COLUMNS for c in columns_of(expectation))


def verdict_key(expectation: dict[str, Any], parameters: dict[str, Any], column_types: list[str],
                mode: str = "value", versions: dict[str, str] | None = None) -> str | None:
    """The key GX's verdicts under ``expectation`` are remembered by, or None when they must not
    be (``mostly``, a personal column)."""
    kwargs = expectation["kwargs"]
    if "mostly" in kwargs or on_personal_column(expectation):
        return None
    payload = {
        "format": FORMAT,
        "type": expectation["type"],
        "kwargs": resolved_kwargs(kwargs, parameters),
        "types": column_types,
        "mode": mode,
        "versions": versions if versions is not None else _versions(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def value_sql(columns: list[str], alias: str = "d") -> str:
    """The JSON text a value of ``columns`` is remembered by."""
    fields = ", ".join(f"v{n} := {alias}.{q(c)}" for n, c in enumerate(columns))
    return f"CAST(to_json(struct_pack({fields})) AS VARCHAR)"


def store_folder(warehouse: Path, env: dict[str, str] | None = None) -> Path:
    """``ASCW_GX_VERDICTS``, else ``gx_verdicts`` beside the warehouse file."""
    e = os.environ if env is None else env
    return Path(e[ENV]) if e.get(ENV) else warehouse.parent / "gx_verdicts"


def _quoted(path: Path) -> str:
    """A file name as a DuckDB string literal (COPY takes no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


class VerdictStore:
    """The verdicts of one folder, for one validation run on one connection: ``load`` the keys
    a suite needs, ``split`` each expectation's values into judged and not, ``remember`` what
    GX judged, ``save`` it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._new = 0
        self._known: dict[str, int] = {}  # verdicts loaded per key

    def _files(self) -> list[Path]:
        return sorted(self.folder.glob("*.parquet")) if self.folder.is_dir() else []

    def load(self, con: duckdb.DuckDBPyConnection, keys: list[str]) -> None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {KNOWN} (key VARCHAR, value VARCHAR, unexpected BOOLEAN)")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {NEW} (key VARCHAR, value VARCHAR, unexpected BOOLEAN)")
        files = self._files()
        if not files or not keys:
            return
        try:
            con.execute(
                f"INSERT INTO {KNOWN} SELECT DISTINCT key, value, unexpected FROM read_parquet(?) "
                "WHERE list_contains(?, key)",
                [[str(f) for f in files], keys],
            )
        except duckdb.Error:  # compacted away under us, or damaged: judge everything again
            con.execute(f"DELETE FROM {KNOWN}")
        self._known = dict(con.execute(f"SELECT key, count(*) FROM {KNOWN} GROUP BY key").fetchall())

    def saturated(self, key: str) -> bool:
        """Whether ``key`` holds ``SATURATED_AT`` verdicts (loaded): its values are judged by GX
        every time and not remembered (module docstring)."""
        return self._known.get(key, 0) >= SATURATED_AT

    def split(self, con: duckdb.DuckDBPyConnection, table: str, key: str, columns: list[str],
              lookup: str) -> list[int]:
        """Writes ``lookup`` (_gid, unexpected: NULL where not judged yet) for the values in
        ``table`` (_gid plus ``columns``); returns the gids GX judged unexpected before."""
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {lookup} AS
                SELECT d._gid, k.unexpected FROM {table} d
                LEFT JOIN {KNOWN} k ON k.key = ? AND k.value = {value_sql(columns)}""",
            [key],
        )
        return [g for (g,) in con.execute(f"SELECT _gid FROM {lookup} WHERE unexpected ORDER BY 1").fetchall()]

    def remember(self, con: duckdb.DuckDBPyConnection, table: str, key: str, columns: list[str],
                 lookup: str, failing: list[int]) -> None:
        """GX's verdicts on the values ``lookup`` had not judged: unexpected when in ``failing``;
        no more than keep the key at ``SATURATED_AT``."""
        room = max(SATURATED_AT - self._known.get(key, 0), 0)
        cur = con.execute(
            f"""INSERT INTO {NEW} SELECT ?, {value_sql(columns)}, list_contains(?, d._gid)
                FROM {table} d JOIN {lookup} l USING (_gid) WHERE l.unexpected IS NULL LIMIT ?""",
            [key, failing, room],
        )
        self._new += int(cur.fetchone()[0])

    def save(self, con: duckdb.DuckDBPyConnection) -> None:
        """Adds this run's new verdicts to the folder as one file (merging the folder's files
        into one once there are ``COMPACT_AT`` of them). A store that cannot be written (a full
        disk, a read-only folder) only means GX judges these values again next time: the
        validation goes on."""
        if self._new:
            self._new = 0
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._write(con, f"SELECT * FROM {NEW}")
            except (OSError, duckdb.Error) as exc:
                warnings.warn(f"GX verdicts not saved in {self.folder}: {exc}", stacklevel=2)
                return
        files = self._files()
        if len(files) >= COMPACT_AT:
            listed = ", ".join(_quoted(f) for f in files)
            try:
                self._write(con, f"SELECT key, value, unexpected FROM (SELECT DISTINCT key, value, unexpected"
                                 f" FROM read_parquet([{listed}])) QUALIFY row_number() OVER (PARTITION BY key)"
                                 f" <= {SATURATED_AT}")
            except (OSError, duckdb.Error):
                return  # another process compacted them first, or no room: left as they are
            for f in files:
                f.unlink(missing_ok=True)

    def _write(self, con: duckdb.DuckDBPyConnection, select: str) -> None:
        """``select`` into a new file of the folder, renamed into place once whole."""
        name = uuid.uuid4().hex
        tmp = self.folder / f".{name}.tmp"
        try:
            con.execute(f"COPY ({select}) TO {_quoted(tmp)} (FORMAT parquet)")
            os.replace(tmp, self.folder / f"{name}.parquet")
        finally:
            tmp.unlink(missing_ok=True)

    @staticmethod
    def drop(con: duckdb.DuckDBPyConnection) -> None:
        for t in (KNOWN, NEW):
            con.execute(f"DROP TABLE IF EXISTS {t}")
