"""Pseudonymisation of person identifiers, computed inside DuckDB.

* `LA Person Unique Identifier` and `NHS Number` become HMAC-SHA256(key, normalised value) as
  64 lowercase hex characters.  The HMAC is evaluated by DuckDB's built-in `sha256` over BLOBs:
  ``sha256(outer_pad || unhex(sha256(inner_pad || value)))`` (RFC 2104), with the two pads
  computed here from the key and bound as query parameters, so the key is never written into
  SQL text, a macro or a table, and no Python UDF slows the scan.  `hmac_hex` is the plain
  Python equivalent (tests check both agree).
* Normalisation before hashing: surrounding blanks removed (both identifiers); spaces and
  hyphens removed from an NHS Number (``943 476 5919`` = ``943-476-5919`` = ``9434765919``).
  The same identifier therefore gets the same hash in every file and month (CLD and ContrOCC
  join on it), and a different key gives unrelated hashes.
* The key comes from the environment variable ``ASCW_PSEUDO_KEY``; without it the documented
  demo key `DEMO_KEY` is used (fine for the synthetic demo council, never for real data).
* Unknown extra columns of a person-level file (one with a personal contract column: LAS CLD,
  ContrOCC service lines) may hold anything a council adds (a client name, an address): their
  values are stored in ``_extra`` only as the same keyed hash, under the column's name
  (`extra_value_sql`); the names are also listed in the load log.
* A person's `Postcode` is reduced to its outward code (``BS5 6XX`` -> ``BS5``); a value that is
  not a UK postcode or outward code cannot be reduced safely, so the row is rejected and the
  value kept in ``raw._rejects`` only as its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
from dataclasses import dataclass

from .contracts import Column, FileType

ENV_VAR = "ASCW_PSEUDO_KEY"
DEMO_KEY = "ascw-demo-pseudonymisation-key-not-for-real-data"

log = logging.getLogger(__name__)
_warned = False

_BLOCK = 64  # SHA-256 block size in bytes


def pseudo_key(key: str | None = None) -> bytes:
    """The key to use: the argument, else ``$ASCW_PSEUDO_KEY``, else the demo key."""
    if key is None:
        key = os.environ.get(ENV_VAR) or None
        if key is None:
            global _warned
            if not _warned:
                log.warning("%s is not set: pseudonymising with the public demo key", ENV_VAR)
                _warned = True
            key = DEMO_KEY
    if not key:
        raise ValueError("pseudonymisation key must not be empty")
    return key.encode("utf-8")


def is_demo_key(key: str | None = None) -> bool:
    """True when `pseudo_key(key)` would be the public demo key (logged with every load)."""
    return pseudo_key(key) == DEMO_KEY.encode("utf-8")


@dataclass(frozen=True)
class HmacPads:
    inner: bytes
    outer: bytes

    @classmethod
    def from_key(cls, key: bytes) -> HmacPads:
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK, b"\0")
        return cls(bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key))

    def params(self) -> dict[str, bytes]:
        return {"hmac_inner": self.inner, "hmac_outer": self.outer}


def hmac_sql(expr: str) -> str:
    """SQL for HMAC-SHA256 of a VARCHAR expression (NULL stays NULL); binds $hmac_inner/outer."""
    return f"sha256($hmac_outer || unhex(sha256($hmac_inner || encode({expr}))))"


# --- normalisation (SQL and the Python equivalents) -------------------------------------------
NHS_NUMBER = "NHS Number"
POSTCODE = "Postcode"

_POSTCODE_RE = r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})?$"


def normalise_sql(col: Column, v: str) -> str:
    """SQL normalising a trimmed personal value before hashing / reduction."""
    if col.name == NHS_NUMBER:
        return f"regexp_replace({v}, '[\\s-]', '', 'g')"
    if col.name == POSTCODE:
        return f"upper(regexp_replace({v}, '\\s', '', 'g'))"
    return v


def normalise(col: Column, value: str) -> str:
    value = value.strip()
    if col.name == NHS_NUMBER:
        return re.sub(r"[\s-]", "", value)
    if col.name == POSTCODE:
        return re.sub(r"\s", "", value).upper()
    return value


def is_reduced(col: Column) -> bool:
    """True for personal columns reduced (not hashed) on load: a person's postcode."""
    return col.personal and col.name == POSTCODE


def outward_code_sql(normalised: str) -> str:
    return f"nullif(regexp_extract({normalised}, '{_POSTCODE_RE}', 1), '')"


def outward_code(postcode: str) -> str | None:
    """Outward code of a UK postcode or outward code (``bs5 6xx`` -> ``BS5``), else None."""
    m = re.fullmatch(_POSTCODE_RE, re.sub(r"\s", "", postcode).upper())
    return m.group(1) if m else None


def is_person_level(ft: FileType) -> bool:
    """True for a file type with a personal column: its unknown extra columns are hashed too."""
    return any(c.personal for c in ft.columns)


def extra_value_sql(ft: FileType, v: str) -> str:
    """SQL for what ``_extra`` keeps of a trimmed extra value: the value itself, or for a
    person-level file its keyed hash (NULL stays NULL; binds $hmac_inner/outer)."""
    return hmac_sql(v) if is_person_level(ft) else v


def hmac_hex(value: str, key: bytes) -> str:
    """Python reference of the SQL hash (of an already normalised value)."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonymise(col: Column, value: str, key: bytes) -> str | None:
    """What the loader stores for `value` of personal column `col` (Python reference)."""
    if is_reduced(col):
        return outward_code(value)
    return hmac_hex(normalise(col, value), key)
