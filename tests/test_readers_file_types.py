"""Every reader (one per file type): happy path, wrong header, empty file, undecodable row."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from readers_helpers import ALL_TYPES, MONTH, TEST_KEY, csv_bytes, fixture_path, place, read_rows

from sources.contracts import FileType
from sources.loader import load_file

DECODED_KINDS = ("date_iso", "date_dmy", "date_cqc", "money", "number", "integer", "flag")
IDS = [ft.key for ft in ALL_TYPES]


def _month(ft: FileType) -> str | None:
    return None if ft.scope == "reference" else MONTH


def _load(con, ft: FileType, path: Path):
    return load_file(con, ft, path, month=_month(ft), pseudo_key=TEST_KEY, council="E06000023")


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def _log(con, load_id: str) -> tuple:
    return con.execute(
        "SELECT status, rows_read, rows_loaded, rows_rejected, message FROM raw._load_log"
        " WHERE load_id = ?",
        [load_id],
    ).fetchone()


@pytest.mark.parametrize("ft", ALL_TYPES, ids=IDS)
def test_happy_path(con, ft: FileType) -> None:
    path = fixture_path(ft)
    n = len(read_rows(path)) - 1
    assert 2 <= n <= 5
    res = _load(con, ft, path)
    assert (res.status, res.rows_read, res.rows_loaded, res.rows_rejected) == ("loaded", n, n, 0)
    assert _log(con, res.load_id)[:4] == ("loaded", n, n, 0)
    lines = con.execute(f'SELECT DISTINCT _line FROM raw."{ft.raw_table}" ORDER BY 1').fetchall()
    assert [r[0] for r in lines] == list(range(2, n + 2))
    assert con.execute("SELECT count(*) FROM raw._rejects").fetchone()[0] == 0


@pytest.mark.parametrize("ft", ALL_TYPES, ids=IDS)
def test_wrong_header_rejects_the_file(con, tmp_path: Path, ft: FileType) -> None:
    rows = read_rows(fixture_path(ft))
    victim = ft.required_names[-1]
    index = next(i for i, h in enumerate(rows[0]) if h.startswith(victim))
    rows[0][index] = victim.upper() + "X"
    res = _load(con, ft, place(tmp_path, ft, csv_bytes(rows)))
    assert res.status == "rejected" and res.rows_loaded == 0
    assert res.error is not None and (res.error.line, res.error.column) == (1, victim)
    assert "missing required column" in res.message and res.file in res.message
    assert _log(con, res.load_id)[0] == "rejected"
    rej = con.execute('SELECT line, "column", check_name FROM raw._rejects').fetchall()
    assert rej == [(1, victim, "file_header")]
    assert con.execute(f'SELECT count(*) FROM raw."{ft.raw_table}"').fetchone()[0] == 0


@pytest.mark.parametrize("ft", ALL_TYPES, ids=IDS)
def test_an_empty_file_or_a_header_with_no_records_is_rejected(con, tmp_path: Path, ft: FileType) -> None:
    res = _load(con, ft, place(tmp_path, ft, b""))
    assert res.status == "rejected" and "empty file (0 bytes)" in res.message
    assert con.execute("SELECT check_name FROM raw._rejects").fetchall() == [("file_empty",)]
    header_only = csv_bytes(read_rows(fixture_path(ft))[:1])
    res = _load(con, ft, place(tmp_path, ft, header_only))
    assert res.status == "rejected" and "empty file: a header row and no records" in res.message
    assert res.file in res.message and res.rows_loaded == 0
    assert con.execute("SELECT check_name, reason FROM raw._rejects").fetchall() == [
        ("file_empty", "empty file: a header row and no records")]
    assert not [t for t in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
                if t[0].startswith("__ascw_decoded")]


def _spoil(ft: FileType, header: list[str]) -> tuple[str, str]:
    """A column of the file and a value it cannot decode."""
    if ft.wide_year_columns:
        return next(h for h in header if h.isdigit()), "n/a"
    for name in header:
        clean = name.removesuffix("; measures: Value")
        if clean in ft.column_names and ft.column(clean).kind in DECODED_KINDS:
            return name, "not-a-value"
    return next(c.name for c in ft.columns if c.not_null and not c.personal), ""


@pytest.mark.parametrize("ft", ALL_TYPES, ids=IDS)
def test_undecodable_row_is_rejected_and_kept(con, tmp_path: Path, ft: FileType) -> None:
    rows = read_rows(fixture_path(ft))
    name, bad_value = _spoil(ft, rows[0])
    rows[2][rows[0].index(name)] = bad_value  # the second data record = line 3
    n = len(rows) - 1
    res = _load(con, ft, place(tmp_path, ft, csv_bytes(rows)))
    assert (res.status, res.rows_read, res.rows_loaded, res.rows_rejected) == (
        "loaded",
        n,
        n - 1,
        1,
    )
    rej = con.execute('SELECT line, "column", value, reason FROM raw._rejects').fetchall()
    assert len(rej) == 1
    line, column, value, reason = rej[0]
    assert (line, column) == (3, name.removesuffix("; measures: Value"))
    assert value == (bad_value or None) and reason
    assert (
        con.execute(f'SELECT count(*) FROM raw."{ft.raw_table}" WHERE _line = 3').fetchone()[0] == 0
    )
