"""Issue 6 (hardening), reader level: bad input is rejected with a clear reason or normalised as
documented in sources/README.md, nothing is lost, and no clear personal value reaches a table.

Fast: the hand-written landing directory of tests/fixtures/readers, mutated per test."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from readers_helpers import MONTH, TEST_KEY, copy_landing, csv_bytes, fixture_path, place, read_rows

from sources.contracts import (
    CONTROCC_PAYMENTS,
    CONTROCC_SERVICE_LINES,
    CQC_HSCA_ACTIVE_LOCATIONS,
    CQC_LATEST_RATINGS,
    LAS_CLD,
    FileType,
)
from sources.loader import load_file, load_month
from sources.pseudonymise import hmac_hex

NEXT = "2025-04"
HEX64 = re.compile(r"^[0-9a-f]{64}$")


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def _edited(ft: FileType, column: str, value: str, row: int = 0) -> bytes:
    rows = read_rows(fixture_path(ft))
    rows[row + 1][rows[0].index(column)] = value
    return csv_bytes(rows)


def _load(con: duckdb.DuckDBPyConnection, ft: FileType, path: Path, month: str = MONTH):
    return load_file(con, ft, path, month=month, pseudo_key=TEST_KEY, council="E06000023")


def _all_text(con: duckdb.DuckDBPyConnection) -> str:
    """Every value of every column of every table, cast to text, in one string."""
    out: list[str] = []
    for schema, table, column in con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns"
    ).fetchall():
        out += [
            str(r[0])
            for r in con.execute(
                f'SELECT CAST("{column}" AS VARCHAR) FROM "{schema}"."{table}"'
                f' WHERE "{column}" IS NOT NULL'
            ).fetchall()
        ]
    return "\n".join(out)


# --- encoding -------------------------------------------------------------------------------------
def test_windows_1252_pound_sign_rejects_the_file_naming_file_byte_line_and_column(
    con, tmp_path: Path
) -> None:
    rows = read_rows(fixture_path(CONTROCC_PAYMENTS))
    rows[2][rows[0].index("Amount")] = "£150.00"
    data = csv_bytes(rows).decode("utf-8").encode("cp1252")
    path = place(tmp_path, CONTROCC_PAYMENTS, data)

    r = _load(con, CONTROCC_PAYMENTS, path)

    assert r.status == "rejected" and r.error is not None
    assert r.error.check == "file_encoding" and r.error.line == 3 and r.error.column == "Amount"
    assert r.error.byte == data.index(b"\xa3")
    assert r.file in r.message and "line 3" in r.message and "0xA3" in r.message
    assert con.execute("SELECT count(*) FROM raw.controcc_payments").fetchone() == (0,)


# --- Excel-mangled numbers ------------------------------------------------------------------------
def test_excel_pound_and_thousands_normalised_scientific_rejected_and_every_row_counted(
    con, tmp_path: Path
) -> None:
    rows = read_rows(fixture_path(CONTROCC_PAYMENTS))
    amount = rows[0].index("Amount")
    rows[1][amount] = "£1,234.50"
    rows[2][amount] = "1.2E+05"
    path = place(tmp_path, CONTROCC_PAYMENTS, csv_bytes(rows))

    r = _load(con, CONTROCC_PAYMENTS, path)

    assert r.status == "loaded"
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (len(rows) - 1, len(rows) - 2, 1)
    assert con.execute(
        'SELECT CAST("Amount" AS VARCHAR) FROM raw.controcc_payments WHERE _line = 2'
    ).fetchone() == ("1234.50",)
    rej = con.execute(
        'SELECT line, "column", value, check_name, reason FROM raw._rejects'
    ).fetchall()
    assert len(rej) == 1
    line, column, value, check, reason = rej[0]
    assert (line, column, value, check) == (3, "Amount", "1.2E+05", "decode_money")
    assert "scientific" in reason.lower()


# --- dates in the wrong format --------------------------------------------------------------------
def test_iso_date_in_a_controcc_dd_mm_yyyy_column_rejects_the_row_naming_the_column(
    con, tmp_path: Path
) -> None:
    data = _edited(CONTROCC_SERVICE_LINES, "Start Date", "2025-03-01")
    path = place(tmp_path, CONTROCC_SERVICE_LINES, data)

    r = _load(con, CONTROCC_SERVICE_LINES, path)

    assert r.status == "loaded" and r.rows_rejected == 1
    assert r.rows_read == r.rows_loaded + r.rows_rejected
    assert con.execute('SELECT line, "column", value, check_name FROM raw._rejects').fetchall() == [
        (2, "Start Date", "2025-03-01", "decode_date_dmy")
    ]


# --- CQC editions: reordered or renamed columns ---------------------------------------------------
@pytest.mark.parametrize("ft", [CQC_LATEST_RATINGS, CQC_HSCA_ACTIVE_LOCATIONS], ids=lambda f: f.key)
def test_cqc_file_with_reordered_columns_loads_identical_raw_rows(
    ft: FileType, tmp_path: Path
) -> None:
    rows = read_rows(fixture_path(ft))
    order = list(reversed(range(len(rows[0]))))
    reordered = [[r[i] for i in order] for r in rows]
    outcome = []
    for name, data in (("asis", csv_bytes(rows)), ("reordered", csv_bytes(reordered))):
        c = duckdb.connect()
        r = _load(c, ft, place(tmp_path / name, ft, data))
        assert r.status == "loaded" and r.rows_rejected == 0
        outcome.append(
            c.execute(
                f'SELECT * EXCLUDE (_load_id) FROM raw."{ft.raw_table}" ORDER BY _line'
            ).fetchall()
        )
    assert outcome[0] and outcome[0] == outcome[1]


def test_cqc_file_with_a_renamed_required_column_is_rejected_naming_it(con, tmp_path: Path) -> None:
    rows = read_rows(fixture_path(CQC_HSCA_ACTIVE_LOCATIONS))
    rows[0][rows[0].index("Location Local Authority")] = "Location Local Authority Name"
    path = place(tmp_path, CQC_HSCA_ACTIVE_LOCATIONS, csv_bytes(rows))

    r = _load(con, CQC_HSCA_ACTIVE_LOCATIONS, path)

    assert r.status == "rejected" and r.error is not None
    assert (r.error.check, r.error.line, r.error.column) == (
        "file_header", 1, "Location Local Authority"
    )
    assert "missing required column" in r.message


# --- duplicated whole files -----------------------------------------------------------------------
def _next_month_copy(landing: Path, ft: FileType) -> Path:
    dest = landing / NEXT / ft.file_name(month=NEXT)
    dest.parent.mkdir(exist_ok=True)
    shutil.copyfile(landing / MONTH / ft.file_name(month=MONTH), dest)
    return dest


@pytest.mark.parametrize("ft", [LAS_CLD, CONTROCC_PAYMENTS], ids=lambda f: f.key)
def test_a_file_dated_within_its_month_copied_into_another_month_is_rejected_as_a_duplicate(
    ft: FileType, con, tmp_path: Path
) -> None:
    landing = copy_landing(tmp_path / "landing")
    assert load_month(con, landing, MONTH, pseudo_key=TEST_KEY, council="E06000023").ok
    copy = _next_month_copy(landing, ft)

    r = _load(con, ft, copy, month=NEXT)

    assert r.status == "rejected" and r.error is not None and r.error.check == "file_duplicate"
    assert ft.file_name(month=MONTH) in r.message and MONTH in r.message
    assert r.rows_read == r.rows_loaded + r.rows_rejected and r.rows_loaded == 0
    assert con.execute(
        f'SELECT count(*) FROM raw."{ft.raw_table}" WHERE _month = DATE \'{NEXT}-01\''
    ).fetchone() == (0,)
    assert con.execute(
        "SELECT check_name FROM raw._rejects WHERE month = DATE '2025-04-01'"
    ).fetchall() == [("file_duplicate",)]


def test_the_same_file_reloaded_for_its_own_month_is_not_a_duplicate(con, tmp_path: Path) -> None:
    landing = copy_landing(tmp_path / "landing")
    first = load_month(con, landing, MONTH, pseudo_key=TEST_KEY, council="E06000023")
    second = load_month(con, landing, MONTH, pseudo_key=TEST_KEY, council="E06000023")
    assert first.ok and second.ok
    assert [f.rows_loaded for f in first] == [f.rows_loaded for f in second]


@pytest.mark.parametrize("ft", [CONTROCC_SERVICE_LINES, CQC_LATEST_RATINGS, CQC_HSCA_ACTIVE_LOCATIONS],
                         ids=lambda f: f.key)
def test_a_service_lines_or_cqc_file_repeated_in_another_month_loads_with_a_gate_warning(
    ft: FileType, con, tmp_path: Path
) -> None:
    # No service line changed, or the same CQC download: legitimate, so not rejected; the
    # source gate says so (WARN, never blocking) naming the other month's file.
    from orchestration.gates.config import load_gate_config
    from orchestration.gates.row_accounting import file_checks
    from orchestration.partitions_key import Part

    landing = copy_landing(tmp_path / "landing")
    if ft is CONTROCC_SERVICE_LINES:  # open-ended lines: active in both months
        rows = read_rows(fixture_path(ft))
        for row in rows[1:]:
            row[rows[0].index("End Date")] = ""
        (landing / MONTH / ft.file_name(month=MONTH)).write_bytes(csv_bytes(rows))
    assert load_month(con, landing, MONTH, pseudo_key=TEST_KEY, council="E06000023").ok
    copy = _next_month_copy(landing, ft)

    r = _load(con, ft, copy, month=NEXT)

    assert r.status == "loaded" and r.rows_loaded == r.rows_read > 0, r.message
    same = {c.name: c for c in file_checks(con, Part("E06000023", NEXT), load_gate_config())}[f"{ft.key}.same_file_as_another_month"]
    assert not same.passed and same.severity == "WARN"
    assert ft.file_name(month=MONTH) in same.message and MONTH in same.message


def test_a_repeated_file_no_longer_warns_once_the_original_month_holds_another_file(
    con, tmp_path: Path
) -> None:
    from orchestration.gates.config import load_gate_config
    from orchestration.gates.row_accounting import file_checks
    from orchestration.partitions_key import Part

    landing = copy_landing(tmp_path / "landing")
    assert load_month(con, landing, MONTH, pseudo_key=TEST_KEY, council="E06000023").ok
    copy = _next_month_copy(landing, CQC_LATEST_RATINGS)
    assert _load(con, CQC_LATEST_RATINGS, copy, month=NEXT).status == "loaded"
    original = landing / MONTH / CQC_LATEST_RATINGS.file_name(month=MONTH)
    original.write_bytes(_edited(CQC_LATEST_RATINGS, "Location Name", "Renamed Care Home"))
    assert _load(con, CQC_LATEST_RATINGS, original).status == "loaded"

    checks = {c.name: c for c in file_checks(con, Part("E06000023", NEXT), load_gate_config())}
    assert checks["cqc_latest_ratings.same_file_as_another_month"].passed


# --- a month folder missing a file ----------------------------------------------------------------
def test_a_month_folder_missing_a_file_is_reported_missing(con, tmp_path: Path) -> None:
    landing = copy_landing(tmp_path / "landing")
    (landing / MONTH / CONTROCC_PAYMENTS.file_name(month=MONTH)).unlink()

    report = load_month(con, landing, MONTH, pseudo_key=TEST_KEY, council="E06000023")

    assert not report.ok
    missing = report.get(CONTROCC_PAYMENTS.key)
    assert missing.status == "missing" and "file not found" in missing.message


# --- files of the wrong council -------------------------------------------------------------------
def test_a_cld_file_of_another_council_is_rejected_naming_la_code(con, tmp_path: Path) -> None:
    landing = copy_landing(tmp_path / "landing")
    report = load_month(con, landing, MONTH, council="E06000022", pseudo_key=TEST_KEY)
    r = report.get(LAS_CLD.key)
    assert r.status == "rejected" and r.error is not None
    assert (r.error.check, r.error.column) == ("file_council", "LA Code")
    assert "E06000023" in r.message and "E06000022" in r.message


def test_a_whole_cld_file_of_another_council_in_a_council_s_folder_is_rejected(
    con, tmp_path: Path
) -> None:
    landing = copy_landing(tmp_path / "landing")
    assert load_month(con, landing, MONTH, pseudo_key=TEST_KEY, council="E06000023").ok
    rows = read_rows(fixture_path(LAS_CLD))
    end, code = rows[0].index("Reporting Period End Date"), rows[0].index("LA Code")
    for r in rows[1:]:
        r[end], r[code] = "2025-04-30", "E06000022"
    path = landing / NEXT / LAS_CLD.file_name(month=NEXT)
    path.parent.mkdir()
    path.write_bytes(csv_bytes(rows))

    r = load_file(con, LAS_CLD, path, month=NEXT, pseudo_key=TEST_KEY, council="E06000023")

    assert r.status == "rejected" and r.error is not None
    assert (r.error.check, r.error.column, r.error.line) == ("file_council", "LA Code", 2)
    assert "E06000022" in r.message and "E06000023" in r.message


# --- personal data in unknown extra columns -------------------------------------------------------
CLIENT_NAMES = ("Margaret Thistlewood", "Bartholomew Quince", "Ngozi Adebayo-Fairweather")


def _with_client_name(ft: FileType) -> tuple[bytes, list[str]]:
    rows = read_rows(fixture_path(ft))
    names = [CLIENT_NAMES[i % len(CLIENT_NAMES)] for i in range(len(rows) - 1)]
    rows = [rows[0] + ["Client Name"]] + [r + [n] for r, n in zip(rows[1:], names, strict=True)]
    return csv_bytes(rows), names


@pytest.mark.parametrize("ft", [LAS_CLD, CONTROCC_SERVICE_LINES], ids=lambda f: f.key)
def test_an_extra_client_name_column_is_stored_only_as_keyed_hashes(
    ft: FileType, con, tmp_path: Path
) -> None:
    data, names = _with_client_name(ft)
    r = _load(con, ft, place(tmp_path, ft, data))

    assert r.status == "loaded" and r.rows_rejected == 0
    assert "'Client Name'" in r.message and "keyed hash" in r.message
    text = _all_text(con)
    assert not [n for n in CLIENT_NAMES if n in text or n.split()[0] in text]
    stored = [
        v
        for (v,) in con.execute(
            f"SELECT _extra->>'Client Name' FROM raw.\"{ft.raw_table}\" ORDER BY _line"
        ).fetchall()
    ]
    assert stored == [hmac_hex(n, TEST_KEY.encode()) for n in names]
    assert all(HEX64.match(v) for v in stored)


def test_extra_columns_of_files_without_personal_data_stay_in_clear(con, tmp_path: Path) -> None:
    rows = read_rows(fixture_path(CQC_LATEST_RATINGS))
    rows = [rows[0] + ["Something New"]] + [r + ["kept"] for r in rows[1:]]
    _load(con, CQC_LATEST_RATINGS, place(tmp_path, CQC_LATEST_RATINGS, csv_bytes(rows)))
    assert con.execute(
        "SELECT DISTINCT _extra->>'Something New' FROM raw.cqc_latest_ratings"
    ).fetchall() == [("kept",)]


def test_a_load_with_the_key_file_names_the_file_in_the_load_log_never_the_key(
    con, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASCW_PSEUDO_KEY", raising=False)
    key_file = tmp_path / "secrets" / "pseudonymisation.key"
    monkeypatch.setenv("ASCW_PSEUDO_KEY_FILE", str(key_file))
    from_file = load_file(con, LAS_CLD, fixture_path(LAS_CLD), month=MONTH, council="E06000023")
    cqc = load_file(con, CQC_LATEST_RATINGS, fixture_path(CQC_LATEST_RATINGS), month=MONTH, council="E06000023")
    with duckdb.connect() as other_warehouse:  # one warehouse keeps one key (key_fingerprint)
        secret = load_file(other_warehouse, LAS_CLD, fixture_path(LAS_CLD), month=MONTH,
                           pseudo_key=TEST_KEY, council="E06000023")
    assert from_file.status == secret.status == cqc.status == "loaded"
    assert f"key in {key_file}" in from_file.message and "ASCW_PSEUDO_KEY not set" in from_file.message
    assert "key in" not in secret.message and "key in" not in cqc.message
    key = key_file.read_text().strip()
    logged = con.execute("SELECT string_agg(CAST(t AS VARCHAR), ' ') FROM raw._load_log t").fetchone()[0]
    assert key not in logged and key not in from_file.message
