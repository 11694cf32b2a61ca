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
* The key is a secret that is never in the repository: the environment variable
  ``ASCW_PSEUDO_KEY`` (e.g. from the council's secret store), else the key file
  (``$ASCW_PSEUDO_KEY_FILE``, default ``~/.config/ascw/pseudonymisation.key``). When neither
  exists the first load writes a new random key (256 bits) to that file, readable by its owner
  only, and says so: keep and back it up, since later months' person ids only join earlier ones
  under the same key. Two refreshes starting at once agree on one key (`read_or_create_key`).
* Unknown extra columns of a person-level file (one with a personal contract column: LAS CLD,
  ContrOCC service lines) may hold anything a council adds (a client name, an address): their
  values are stored in ``_extra`` only as the same keyed hash, under the column's name
  (`extra_value_sql`); the names are also listed in the load log.
* The NHS Number's modulus 11 check digit is judged on the clear value while reading, before it
  is hashed (`nhs_number_valid_sql`, `nhs_number_is_valid`): the CLD's raw table keeps whether it
  passed (``_nhs_number_valid``), never the number.
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
import secrets
from dataclasses import dataclass
from pathlib import Path

from .contracts import Column, FileType

ENV_VAR = "ASCW_PSEUDO_KEY"
FILE_ENV_VAR = "ASCW_PSEUDO_KEY_FILE"

log = logging.getLogger(__name__)

_BLOCK = 64  # SHA-256 block size in bytes


def key_file() -> Path:
    """Where the key lives when ``$ASCW_PSEUDO_KEY`` is not set."""
    if os.environ.get(FILE_ENV_VAR):
        return Path(os.environ[FILE_ENV_VAR])
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "ascw" / "pseudonymisation.key"


def read_or_create_key(path: Path) -> tuple[str, bool]:
    """The key stored in `path`, and whether this call created it (a new random key written to a
    private temporary file, then linked into place: the link fails if another process linked
    first, and that process's key is used; an existing key is never overwritten)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        new = secrets.token_hex(32)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(new + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
            return new, True
        except FileExistsError:
            pass  # another process linked its key first: read it below
        finally:
            tmp.unlink()
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise ValueError(f"pseudonymisation key file {path} is empty: restore the key, or set {ENV_VAR}")
    return key, False


def key_and_file(key: str | None = None) -> tuple[bytes, Path | None]:
    """The key to use: the argument, else ``$ASCW_PSEUDO_KEY``, else the key file's; and that
    file when the key came from it (for the load log, which names the file, never the key)."""
    path = None
    if key is None:
        key = os.environ.get(ENV_VAR) or None
        if key is None:
            path = key_file()
            key, created = read_or_create_key(path)
            if created:
                log.warning(
                    "%s is not set: created a new pseudonymisation key in %s; keep it and back it "
                    "up (later months' person ids only join earlier ones under the same key)",
                    ENV_VAR, path,
                )
    if not key:
        raise ValueError("pseudonymisation key must not be empty")
    return key.encode("utf-8"), path


def pseudo_key(key: str | None = None) -> bytes:
    """The key to use (`key_and_file`)."""
    return key_and_file(key)[0]


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


# --- NHS Number check digit (NHS Data Dictionary: modulus 11) ---------------------------------
NHS_NUMBER_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)  # of the first nine digits


def nhs_number_is_valid(value: str | None) -> bool | None:
    """The modulus 11 check of an NHS Number: None when blank; else True when the number, once
    spaces and hyphens are removed (the normalisation the hash uses: ``943 476 5919``), is 10
    digits and the last is the check digit of the first nine: weights 10..2, r = sum mod 11,
    check = 11 - r, where 11 means 0 and 10 means no valid number has these nine digits."""
    if value is None:
        return None
    n = re.sub(r"[\t\n\f\r -]", "", value)  # what RE2's [\s-] removes in normalise_sql
    if not n:
        return None
    if not re.fullmatch(r"[0-9]{10}", n):
        return False
    check = 11 - sum(int(d) * w for d, w in zip(n, NHS_NUMBER_WEIGHTS)) % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(n[9])


def nhs_number_valid_sql(v: str) -> str:
    """SQL of `nhs_number_is_valid` on a trimmed value `v` (BOOLEAN, NULL when blank). The
    normalised number is computed once and bound to a lambda parameter."""
    digits = "list_sum(list_transform(range(1, 10), lambda i: CAST(substr(n, i, 1) AS INTEGER) * (11 - i)))"
    judged = (
        "CASE WHEN n = '' THEN NULL WHEN NOT regexp_full_match(n, '[0-9]{10}') THEN FALSE"
        f" ELSE ({digits}) % 11 <> 1"
        f" AND (11 - ({digits}) % 11) % 11 = CAST(substr(n, 10, 1) AS INTEGER) END"
    )
    return (
        f"CASE WHEN {v} IS NULL THEN NULL ELSE list_transform("
        f"[{normalise_sql(Column(NHS_NUMBER), v)}], lambda n: {judged})[1] END"
    )


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
