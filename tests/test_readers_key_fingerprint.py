"""A warehouse remembers which key its person ids were hashed with (sources.key_fingerprint):
a person-level file loaded under another key is rejected, naming the file, instead of turning
every person of the month into a stranger to earlier months."""
from __future__ import annotations

import duckdb
import pytest

from readers_helpers import MONTH, TEST_KEY, fixture_path
from sources.contracts import CQC_LATEST_RATINGS, LAS_CLD
from sources.key_fingerprint import TABLE, fingerprint
from sources.loader import load_file


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    yield c
    c.close()


def test_the_fingerprint_names_a_key_without_revealing_it() -> None:
    a, b = fingerprint(b"key a"), fingerprint(b"key b")
    assert a == fingerprint(b"key a") and a != b and len(a) == 16
    assert "key a" not in a and all(c in "0123456789abcdef" for c in a)


def test_a_person_level_file_under_another_key_is_rejected_naming_the_file_and_both_keys(con) -> None:
    first = load_file(con, LAS_CLD, fixture_path(LAS_CLD), month=MONTH, pseudo_key=TEST_KEY, council="E06000023")
    assert first.status == "loaded"
    assert con.execute(f"SELECT fingerprint, first_file FROM {TABLE}").fetchall() == [
        (fingerprint(TEST_KEY.encode()), fixture_path(LAS_CLD).name)]

    again = load_file(con, LAS_CLD, fixture_path(LAS_CLD), month=MONTH, pseudo_key="another key", council="E06000023")

    assert again.status == "rejected"
    assert "pseudonymisation key" in again.message and fixture_path(LAS_CLD).name in again.message
    assert fingerprint(b"another key") in again.message and fingerprint(TEST_KEY.encode()) in again.message
    assert "another key" not in again.message and TEST_KEY not in again.message
    assert con.execute(
        "SELECT check_name FROM raw._rejects WHERE file = ?", [fixture_path(LAS_CLD).name]
    ).fetchall() == [("pseudonymisation_key",)]
    # the same key again loads, and the rejection is cleared
    same = load_file(con, LAS_CLD, fixture_path(LAS_CLD), month=MONTH, pseudo_key=TEST_KEY, council="E06000023")
    assert same.status == "loaded"
    assert con.execute("SELECT count(*) FROM raw._rejects").fetchone()[0] == 0
    assert con.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == 1


def test_files_without_people_load_under_any_key(con) -> None:
    load_file(con, LAS_CLD, fixture_path(LAS_CLD), month=MONTH, pseudo_key=TEST_KEY, council="E06000023")
    cqc = load_file(con, CQC_LATEST_RATINGS, fixture_path(CQC_LATEST_RATINGS), month=MONTH,
                    pseudo_key="other", council="E06000023")
    assert cqc.status == "loaded"
