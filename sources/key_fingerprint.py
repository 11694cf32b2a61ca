"""Which pseudonymisation key a warehouse's person ids were hashed with, kept as a fingerprint.

Person ids join across files and months only when every load hashed them with the same key
(`sources.pseudonymise`). A key that changes between months (a new key file on another machine,
`ASCW_PSEUDO_KEY` set for the first time) would otherwise load silently, and every person of the
new month would become someone no earlier month knows: LTC users, admissions and the care ladder's
people counts would all be wrong without any error.

So the first load of a person-level file records the key's fingerprint in `raw._pseudonymisation_key`:
HMAC-SHA256 of a fixed label under the key, which identifies the key without revealing it (the key
cannot be recovered from it, and it hashes no person). A later person-level file loaded under
another key is rejected as a whole, naming the file and the file that recorded the key, and its
month is blocked like any other rejected file.
"""
from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from .pseudonymise import ENV_VAR, hmac_hex
from .report import SourceFileError

TABLE = "raw._pseudonymisation_key"
DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} "
    "(fingerprint VARCHAR NOT NULL, first_file VARCHAR NOT NULL, recorded_at TIMESTAMP NOT NULL)"
)
CHECK = "pseudonymisation_key"
_LABEL = "ascw pseudonymisation key fingerprint v1"


def fingerprint(key: bytes) -> str:
    """A short public name for `key` (the first 16 hex digits of HMAC(key, label))."""
    return hmac_hex(_LABEL, key)[:16]


def check_key(con: duckdb.DuckDBPyConnection, key: bytes, file: str) -> None:
    """Record `key`'s fingerprint on the warehouse's first person-level load; raise
    SourceFileError for `file` when the warehouse recorded another key. The table (`DDL`) is
    created with the other raw tables (`loader.ensure_raw_schema`)."""
    recorded = con.execute(f"SELECT fingerprint, first_file FROM {TABLE} LIMIT 1").fetchone()
    mine = fingerprint(key)
    if recorded is None:
        con.execute(f"INSERT INTO {TABLE} VALUES (?, ?, ?)",
                    [mine, file, datetime.now(UTC).replace(tzinfo=None)])
        return
    if recorded[0] != mine:
        raise SourceFileError(
            file, None, None,
            f"pseudonymisation key {mine} is not the key {recorded[0]} this warehouse's person ids "
            f"were hashed with (recorded when {recorded[1]} was loaded): person ids would not join "
            f"earlier months. Set {ENV_VAR} (or the key file) back to that key, or rebuild the "
            "warehouse from every month under the new key",
            check=CHECK,
        )
