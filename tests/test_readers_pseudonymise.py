"""Keyed hashing of person identifiers and postcode reduction (sources.pseudonymise)."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import stat
from pathlib import Path

import duckdb
import pytest

from sources import pseudonymise as ps
from sources.contracts import LAS_CLD
from sources.decode import decode_value

LA_ID = LAS_CLD.column("LA Person Unique Identifier")
NHS = LAS_CLD.column("NHS Number")
POSTCODE = LAS_CLD.column("Postcode")


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@pytest.mark.parametrize("key", [b"k", b"a longer key " * 10])  # > 64 bytes: hashed first
def test_sql_hmac_equals_python_hmac(con, key: bytes) -> None:
    got, reason = decode_value(con, LA_ID, "LAS100001", key=key)
    assert reason is None
    assert (
        got
        == hmac.new(key, b"LAS100001", hashlib.sha256).hexdigest()
        == ps.hmac_hex("LAS100001", key)
    )


def test_same_id_same_hash_different_key_different_hash(con) -> None:
    a = decode_value(con, NHS, "943 476 5919", key=b"k1")[0]
    assert a == decode_value(con, NHS, "9434765919", key=b"k1")[0]
    assert a == decode_value(con, NHS, " 943-476-5919 ", key=b"k1")[0]
    assert a != decode_value(con, NHS, "9434765919", key=b"k2")[0]
    assert a != decode_value(con, NHS, "9434765918", key=b"k1")[0]


def test_key_from_environment_else_a_private_key_file_created_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ps.ENV_VAR, "from-env")
    assert ps.pseudo_key() == b"from-env"
    monkeypatch.delenv(ps.ENV_VAR)
    path = tmp_path / "secrets" / "pseudonymisation.key"
    monkeypatch.setenv(ps.FILE_ENV_VAR, str(path))
    first = ps.pseudo_key()
    assert re.fullmatch(rb"[0-9a-f]{64}", first)  # 256 random bits
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ps.pseudo_key() == first  # the next load reuses it
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
    monkeypatch.setenv(ps.FILE_ENV_VAR, str(tmp_path / "another.key"))
    assert ps.pseudo_key() != first
    assert ps.pseudo_key("explicit") == b"explicit"
    with pytest.raises(ValueError):
        ps.pseudo_key("")
    path.write_text("\n")
    monkeypatch.setenv(ps.FILE_ENV_VAR, str(path))
    with pytest.raises(ValueError, match="is empty"):
        ps.pseudo_key()


def test_the_key_file_defaults_to_the_user_config_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(ps.FILE_ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert ps.key_file() == tmp_path / "ascw" / "pseudonymisation.key"


def test_a_key_file_linked_by_another_process_first_is_the_one_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "pseudonymisation.key"
    real_link = os.link

    def another_process_links_first(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        Path(dst).write_text("theirs\n")
        real_link(src, dst)  # FileExistsError, as when the other refresh won the race

    monkeypatch.setattr(ps.os, "link", another_process_links_first)
    assert ps.read_or_create_key(path) == ("theirs", False)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]



@pytest.mark.parametrize(
    ("raw", "outward"),
    [
        ("BS5 6XX", "BS5"),
        ("bs16 1qy", "BS16"),
        ("BS161QY", "BS16"),
        ("SW1A 1AA", "SW1A"),
        ("W1A 0AX", "W1A"),
        ("BS5", "BS5"),
        ("  ba2 5aa ", "BA2"),
    ],
)
def test_outward_code(con, raw: str, outward: str) -> None:
    assert ps.outward_code(raw) == outward
    assert decode_value(con, POSTCODE, raw) == (outward, None)


@pytest.mark.parametrize("raw", ["UNKNOWN", "12345", "BS5 6X"])
def test_unreducible_postcode_rejects_the_row(con, raw: str) -> None:
    value, reason = decode_value(con, POSTCODE, raw)
    assert value is None and "postcode" in reason
