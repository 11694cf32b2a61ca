"""load_month / load_reference on landing directories: structure, idempotency, privacy, samples."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest
from readers_helpers import (
    LANDING,
    MONTH,
    REAL_SAMPLES,
    TEST_KEY,
    copy_landing,
    csv_bytes,
    fixture_path,
    place,
    read_rows,
)

from sources import pseudonymise as ps
from sources.contracts import (
    ASCS_RESPONSES,
    CONTROCC_PAYMENTS,
    CQC_LATEST_RATINGS,
    LAS_CLD,
    MONTHLY_FILE_TYPES,
    MYE_POPULATION,
)
from sources.loader import discover_months, load_file, load_month, load_reference
from sources.report import FileLoad, SourceFileError

CLEAR_IDS = (
    "LAS100001",
    "LAS100002",
    "LAS100003",
    "LAS100004",
    "9434765919",
    "943 476 5919",
    "9876543210",
    "BS5 6XX",
    "BS16 9ZZ",
    "bs3 4aa",
)


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def _all_text(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every VARCHAR/JSON value in every table of the database, as text."""
    out: list[str] = []
    for schema, table, column in con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns"
        " WHERE data_type IN ('VARCHAR', 'JSON')"
    ).fetchall():
        out += [
            r[0]
            for r in con.execute(
                f'SELECT CAST("{column}" AS VARCHAR) FROM "{schema}"."{table}"'
                f' WHERE "{column}" IS NOT NULL'
            ).fetchall()
        ]
    return out


# --- the hand-written landing directory ----------------------------------------------------------
def test_fixture_landing_loads_completely(con) -> None:
    assert discover_months(LANDING) == [MONTH]
    ref = load_reference(con, LANDING, pseudo_key=TEST_KEY, council="E06000023")
    month = load_month(con, LANDING, MONTH, pseudo_key=TEST_KEY, council="E06000023")
    assert ref.ok and month.ok
    assert {f.status for f in [*ref, *month]} == {"loaded"}
    assert [f.file_type for f in month] == [
        *(ft.key for ft in MONTHLY_FILE_TYPES),
        "ascs_responses",
    ]
    assert month.rows_rejected == 0 and ref.rows_rejected == 0
    assert con.execute("SELECT count(*) FROM raw._rejects").fetchone()[0] == 0
    # census suffix stripped, SNPP unpivoted, extras kept, embedded newline kept
    assert (
        con.execute('SELECT sum("Age: Total") FROM raw.ons_census_ts007a').fetchone()[0] == 656100
    )
    assert con.execute(
        "SELECT count(*), count(DISTINCT _line), min(year), max(year), sum(population)"
        " FILTER (WHERE year = 2022) FROM raw.ons_snpp_population"
    ).fetchone() == (12, 3, 2022, 2025, 202260.5)
    street = con.execute(
        "SELECT _extra->>'Location Street Address' FROM raw.cqc_hsca_active_locations"
        " WHERE _line = 2"
    ).fetchone()[0]
    assert street == "1 Brunswick Square,\nSt Pauls"
    assert con.execute("SELECT _line FROM raw.cqc_hsca_active_locations ORDER BY 1").fetchall() == [
        (2,),
        (3,),
        (4,),
    ]
    # types and normalisations
    assert con.execute(
        'SELECT "Start Date", "Weekly Cost" FROM raw.controcc_service_lines WHERE _line = 2'
    ).fetchone() == (
        __import__("datetime").date(2025, 3, 11),
        __import__("decimal").Decimal("875.50"),
    )
    assert con.execute("SELECT list(Postcode ORDER BY _line) FROM raw.las_cld").fetchone()[0] == [
        "BS5",
        "BS5",
        "BS5",
        "BS16",
        "BS3",
    ]


def test_month_reload_is_idempotent(con) -> None:
    def snapshot() -> dict[str, list]:
        return {
            ft.raw_table: sorted(
                map(
                    str,
                    con.execute(
                        f'SELECT * EXCLUDE (_load_id) FROM raw."{ft.raw_table}"'
                    ).fetchall(),
                )
            )
            for ft in (*MONTHLY_FILE_TYPES,)
        }

    load_month(con, LANDING, MONTH, pseudo_key=TEST_KEY, council="E06000023")
    first = snapshot()
    load_month(con, LANDING, MONTH, pseudo_key=TEST_KEY, council="E06000023")
    assert snapshot() == first
    assert all(len(rows) > 0 for rows in first.values())
    assert con.execute("SELECT count(*) FROM raw.ascs_responses").fetchone()[0] == 3
    assert con.execute("SELECT count(*) FROM raw._load_log").fetchone()[0] == 12


def test_reference_unchanged_then_replaced(con, tmp_path: Path) -> None:
    landing = copy_landing(tmp_path / "landing")
    load_reference(con, landing, pseudo_key=TEST_KEY, council="E06000023")
    again = load_reference(con, landing, pseudo_key=TEST_KEY, council="E06000023")
    assert {f.status for f in again} == {"unchanged"}
    kpi = landing / "reference" / "kpi_targets.csv"
    kpi.write_text(kpi.read_text().splitlines()[0] + "\nNEW_KPI,New,1,2,percent,higher_is_better\n")
    third = load_reference(con, landing, pseudo_key=TEST_KEY, council="E06000023")
    assert third.get("kpi_targets").status == "loaded"
    assert con.execute("SELECT list(kpi_code) FROM raw.kpi_targets").fetchone()[0] == ["NEW_KPI"]
    (landing / "reference" / "kpi_targets.csv").unlink()
    assert load_reference(con, landing, council="E06000023").get("kpi_targets").status == "absent"
    assert con.execute("SELECT count(*) FROM raw.kpi_targets").fetchone()[0] == 1


def test_missing_monthly_file_is_logged_and_mirrored(con, tmp_path: Path) -> None:
    landing = copy_landing(tmp_path / "landing")
    load_month(con, landing, MONTH, pseudo_key=TEST_KEY, council="E06000023")
    (landing / MONTH / f"controcc_payments_{MONTH}.csv").unlink()
    report = load_month(con, landing, MONTH, pseudo_key=TEST_KEY, council="E06000023")
    assert report.get("controcc_payments").status == "missing" and not report.ok
    assert (
        con.execute(
            "SELECT status FROM raw._load_log WHERE file_type = 'controcc_payments'"
            " ORDER BY loaded_at DESC LIMIT 1"
        ).fetchone()[0]
        == "missing"
    )
    assert con.execute("SELECT count(*) FROM raw.controcc_payments").fetchone()[0] == 0
    assert {f.status for f in load_month(con, landing, "2025-04", council="E06000023")} == {"missing"}


# --- privacy -------------------------------------------------------------------------------------
def test_no_clear_identifier_anywhere_in_the_database(con, tmp_path: Path) -> None:
    landing = copy_landing(tmp_path / "landing")
    cld = landing / MONTH / f"las_cld_{MONTH}.csv"
    rows = read_rows(cld)
    h = rows[0]
    rows[2][h.index("Postcode")] = "NOT A POSTCODE 9434765919"  # row reject on a personal column
    rows[3][h.index("Date of Birth")] = "12/03/1950"  # row reject on another column
    cld.write_bytes(csv_bytes(rows))
    sl = landing / MONTH / f"controcc_service_lines_{MONTH}.csv"
    sl.write_bytes(sl.read_bytes()[:-10])  # truncated: the file is rejected
    load_month(con, landing, MONTH, pseudo_key=TEST_KEY, council="E06000023")
    texts = _all_text(con)
    assert texts
    leaks = [t for t in texts for clear in CLEAR_IDS if clear.lower() in t.lower()]
    assert leaks == []
    key = TEST_KEY.encode()
    col = LAS_CLD.column("Postcode")
    assert con.execute("SELECT value FROM raw._rejects WHERE \"column\" = 'Postcode'").fetchone()[
        0
    ] == (ps.hmac_hex(ps.normalise(col, "NOT A POSTCODE 9434765919"), key))


def test_same_id_same_hash_across_files_and_key_changes_hash(tmp_path: Path) -> None:
    def hashes(key: str) -> tuple[set[str], set[str]]:
        con = duckdb.connect()
        load_month(con, LANDING, MONTH, pseudo_key=key, council="E06000023")
        cld = {
            r[0]
            for r in con.execute('SELECT "LA Person Unique Identifier" FROM raw.las_cld').fetchall()
        }
        sl = {
            r[0]
            for r in con.execute(
                'SELECT "LA Person Unique Identifier" FROM raw.controcc_service_lines'
            ).fetchall()
        }
        return cld, sl

    cld, sl = hashes(TEST_KEY)
    assert ps.hmac_hex("LAS100001", TEST_KEY.encode()) in cld & sl
    assert len(cld) == 3 and all(len(h) == 64 for h in cld)
    other, _ = hashes("another-key")
    assert not cld & other


# --- whole-file rejections ----------------------------------------------------------------------
def _cld_rows() -> list[list[str]]:
    return read_rows(fixture_path(LAS_CLD))


def test_truncated_last_line(con, tmp_path: Path) -> None:
    data = fixture_path(LAS_CLD).read_bytes().rstrip(b"\n")
    data = data[: data.rindex(b",Planned") if b",Planned" in data[-200:] else len(data) - 12]
    res = load_file(con, LAS_CLD, place(tmp_path, LAS_CLD, data), month=MONTH, council="E06000023")
    assert res.status == "rejected" and res.error is not None
    assert res.error.line == 6 and "truncated last line" in res.error.reason
    assert res.error.column in LAS_CLD.column_names and res.error.byte is not None


def test_unterminated_quote(con, tmp_path: Path) -> None:
    data = fixture_path(LAS_CLD).read_bytes() + b'E06000023,2024-04-01,"2025-03-31\n'
    res = load_file(con, LAS_CLD, place(tmp_path, LAS_CLD, data), month=MONTH, council="E06000023")
    assert res.status == "rejected"
    assert (res.error.line, res.error.column) == (7, "Reporting Period End Date")
    assert "unterminated" in res.error.reason


def test_windows_1252_byte_rejects_the_file(con, tmp_path: Path) -> None:
    rows = read_rows(fixture_path(CONTROCC_PAYMENTS))
    rows[2][rows[0].index("Amount")] = "£150.00"
    data = csv_bytes(rows).decode().encode("cp1252")
    res = load_file(con, CONTROCC_PAYMENTS, place(tmp_path, CONTROCC_PAYMENTS, data), month=MONTH, council="E06000023")
    assert res.status == "rejected" and res.error.check == "file_encoding"
    assert (res.error.line, res.error.column, res.error.byte) == (3, "Amount", data.index(b"\xa3"))
    assert "0xA3" in res.message and "line 3" in res.message and "'Amount'" in res.message
    rej = con.execute('SELECT line, "column", check_name FROM raw._rejects').fetchall()
    assert rej == [(3, "Amount", "file_encoding")]


def test_bom_crlf_and_embedded_newlines(con, tmp_path: Path) -> None:
    rows = read_rows(fixture_path(CQC_LATEST_RATINGS))
    rows[1][rows[0].index("Location Name")] = "Brunswick\r\nHouse"
    rows[2][rows[0].index("Location Name")] = 'Brunswick "Main"\nHouse'
    data = csv_bytes(rows, newline="\r\n", bom=True)
    res = load_file(con, CQC_LATEST_RATINGS, place(tmp_path, CQC_LATEST_RATINGS, data), month=MONTH, council="E06000023")
    assert (res.status, res.rows_loaded, res.rows_rejected) == ("loaded", 4, 0)
    got = con.execute(
        'SELECT _line, "Location Name", "Location ID" FROM raw.cqc_latest_ratings ORDER BY _line'
    ).fetchall()
    assert [g[0] for g in got] == [2, 3, 4, 5]  # records, not physical lines
    assert got[0][1] == "Brunswick\r\nHouse" and got[1][1] == 'Brunswick "Main"\nHouse'
    assert got[0][2] == "1-000000001"  # first column intact after the BOM


def test_mixed_line_endings_rejected_with_a_reason(con, tmp_path: Path) -> None:
    data = fixture_path(CONTROCC_PAYMENTS).read_bytes()  # CRLF + BOM fixture
    data = (
        data[:-2]
        + b"\n"
        + b"PAY0004,SA0001,1,SUP001,03/03/2025,09/03/2025,1,1.00,14/03/2025,Paid,X\r\n"
    )
    res = load_file(con, CONTROCC_PAYMENTS, place(tmp_path, CONTROCC_PAYMENTS, data), month=MONTH, council="E06000023")
    assert res.status == "rejected" and "mixed line endings" in res.message


def test_file_of_another_month_or_council(con, tmp_path: Path) -> None:
    rows = _cld_rows()
    rows[4][rows[0].index("Reporting Period End Date")] = "2025-02-28"
    res = load_file(con, LAS_CLD, place(tmp_path, LAS_CLD, csv_bytes(rows)), month=MONTH, council="E06000023")
    assert res.status == "rejected" and res.error.check == "file_month"
    assert (res.error.line, res.error.column) == (5, "Reporting Period End Date")
    assert (res.rows_read, res.rows_rejected) == (5, 5)
    res = load_file(con, LAS_CLD, fixture_path(LAS_CLD), month=MONTH, council="E06000022")
    assert res.status == "rejected" and res.error.check == "file_council"
    rows = _cld_rows()
    rows[5][0] = "E06000022"
    res = load_file(con, LAS_CLD, place(tmp_path, LAS_CLD, csv_bytes(rows)), month=MONTH, council="E06000023")
    assert res.status == "rejected" and res.error.line == 6 and "not the council E06000023" in res.message
    assert (
        load_file(con, LAS_CLD, fixture_path(LAS_CLD), month=MONTH, council="e06000023").status
        == "loaded"
    )
    rows = read_rows(fixture_path(CONTROCC_PAYMENTS))
    rows[3][rows[0].index("Payment Date")] = "01/04/2025"
    res = load_file(
        con, CONTROCC_PAYMENTS, place(tmp_path, CONTROCC_PAYMENTS, csv_bytes(rows)), month=MONTH, council="E06000023")
    assert res.status == "rejected" and res.error.line == 4 and "2025-04-01" in res.message


def test_extra_columns_go_to_extra_and_optional_columns_may_be_absent(con, tmp_path: Path) -> None:
    rows = read_rows(fixture_path(CQC_LATEST_RATINGS))
    drop = rows[0].index("Brand Name")  # not required
    rows = [r[:drop] + r[drop + 1 :] + ["extra-" + str(i)] for i, r in enumerate(rows)]
    rows[0][-1] = "Something New"
    res = load_file(
        con, CQC_LATEST_RATINGS, place(tmp_path, CQC_LATEST_RATINGS, csv_bytes(rows)), month=MONTH, council="E06000023")
    assert res.status == "loaded"
    assert con.execute(
        "SELECT \"Brand Name\", _extra->>'Something New' FROM raw.cqc_latest_ratings"
        " WHERE _line = 2"
    ).fetchone() == (None, "extra-1")


def test_a_survey_file_without_weights_loads_and_every_weight_is_missing(con, tmp_path: Path) -> None:
    # SOURCES.md: `Weight` (survey weight, default 1); staging turns a missing weight into 1.
    rows = read_rows(fixture_path(ASCS_RESPONSES))
    drop = rows[0].index("Weight")
    rows = [r[:drop] + r[drop + 1 :] for r in rows]
    res = load_file(con, ASCS_RESPONSES, place(tmp_path, ASCS_RESPONSES, csv_bytes(rows)), month=MONTH, council="E06000023")
    assert res.status == "loaded" and res.rows_loaded == len(rows) - 1
    assert con.execute('SELECT count(*), count("Weight") FROM raw.ascs_responses').fetchone() == (len(rows) - 1, 0)


def test_row_identity_is_asserted() -> None:
    with pytest.raises(AssertionError):
        FileLoad("x", "x.csv", None, 3, 1, 1, "loaded")


def test_source_file_error_names_file_line_column() -> None:
    err = SourceFileError("las_cld_2025-03.csv", 7, "Unit Cost", "bad", byte=120)
    assert str(err) == "las_cld_2025-03.csv: line 7, byte 120, column 'Unit Cost': bad"


# --- real published samples ---------------------------------------------------------------------
def test_real_cqc_latest_ratings_sample_loads_without_rejects(con, tmp_path: Path) -> None:
    sample = REAL_SAMPLES / "cqc_latest_ratings_lincolnshire_2026-05.csv"
    (tmp_path / "2026-05").mkdir()
    shutil.copy(sample, tmp_path / "2026-05" / "cqc_latest_ratings_2026-05.csv")
    report = load_month(con, tmp_path, "2026-05", council="E06000023")
    res = report.get("cqc_latest_ratings")
    with open(sample, encoding="utf-8-sig", newline="") as fh:
        records = list(csv.reader(fh))[1:]
    assert (res.status, res.rows_read, res.rows_rejected) == ("loaded", len(records), 0)
    assert "MM/DD/YYYY" in res.message
    got = con.execute(
        'SELECT _line, "Location ID", "Domain", strftime("Publication Date", \'%m/%d/%Y\')'
        " FROM raw.cqc_latest_ratings ORDER BY _line"
    ).fetchall()
    expected = [(i + 2, r[0], r[18], r[20] or None) for i, r in enumerate(records)]
    assert got == expected


def test_real_mye_sample_loads_without_rejects(con, tmp_path: Path) -> None:
    (tmp_path / "reference").mkdir()
    shutil.copy(
        REAL_SAMPLES / "mye-population_lincolnshire_2024.csv",
        tmp_path / "reference" / "mye-population.csv",
    )
    res = load_reference(con, tmp_path, council="E06000023").get(MYE_POPULATION.key)
    assert (res.status, res.rows_read, res.rows_rejected) == ("loaded", 2208, 0)
    assert (
        con.execute(
            'SELECT "OBS_VALUE" FROM raw.ons_mye_population WHERE "C_AGE_NAME" = \'All Ages\''
            " AND \"GENDER_NAME\" = 'Total'"
        ).fetchone()[0]
        == 789502
    )


def test_reference_reloaded_after_a_rejected_version(con, tmp_path: Path) -> None:
    landing = copy_landing(tmp_path / "landing")
    kpi = landing / "reference" / "kpi_targets.csv"
    good = kpi.read_bytes()
    load_reference(con, landing, council="E06000023")
    kpi.write_bytes(b"")
    assert load_reference(con, landing, council="E06000023").get("kpi_targets").status == "rejected"
    assert con.execute("SELECT count(*) FROM raw.kpi_targets").fetchone()[0] == 0
    kpi.write_bytes(good)
    assert load_reference(con, landing, council="E06000023").get("kpi_targets").status == "loaded"
    assert con.execute("SELECT count(*) FROM raw.kpi_targets").fetchone()[0] == 2


def test_reload_keeps_the_gates_rejects(con) -> None:
    load_month(con, LANDING, MONTH, pseudo_key=TEST_KEY, council="E06000023")
    con.execute(
        "INSERT INTO raw._rejects VALUES ('L', 'las_cld', DATE '2025-03-01', 'las_cld_2025-03.csv',"
        " 2, 'Event Type', 'X', 'gate ERROR: code not in list', 'las_cld.event_type_in_set',"
        " now()::TIMESTAMP, 'E06000023')"
    )
    load_month(con, LANDING, MONTH, pseudo_key=TEST_KEY, council="E06000023")
    assert con.execute("SELECT count(*) FROM raw._rejects").fetchone()[0] == 1


def test_loader_check_names_are_declared(con, tmp_path: Path) -> None:
    from sources.report import LOADER_CHECK_NAMES

    rows = _cld_rows()
    rows[2][rows[0].index("Unit Cost")] = "1.2E+05"
    rows[3][rows[0].index("Event Type")] = ""
    load_file(con, LAS_CLD, place(tmp_path, LAS_CLD, csv_bytes(rows)), month=MONTH, council="E06000023")
    names = {r[0] for r in con.execute("SELECT check_name FROM raw._rejects").fetchall()}
    assert names == {"decode_money", "not_null"} and names <= set(LOADER_CHECK_NAMES)


def test_quote_in_landing_path_and_bad_byte_in_header(con, tmp_path: Path) -> None:
    landing = copy_landing(tmp_path / "land'ing")
    assert load_month(con, landing, MONTH, pseudo_key=TEST_KEY, council="E06000023").ok
    path = landing / MONTH / f"controcc_payments_{MONTH}.csv"
    data = b"Payment ID,Amount \xa3\n1,2\n"
    path.write_bytes(data)
    res = load_file(con, CONTROCC_PAYMENTS, path, month=MONTH, council="E06000023")
    assert res.status == "rejected"
    assert (res.error.line, res.error.column) == (1, "header field 2")
    assert res.error.byte == data.index(b"\xa3")


def _raw_state(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every raw table's rows (load ids and times left out: they differ between any two loads)."""
    state: dict[str, list[tuple]] = {}
    for (table,) in con.execute(
        "SELECT DISTINCT table_name FROM information_schema.columns WHERE table_schema = 'raw' ORDER BY 1"
    ).fetchall():
        cols = [c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = ?"
            " AND column_name NOT IN ('_load_id', 'load_id', 'rejected_at', 'loaded_at', 'recorded_at')"
            " ORDER BY ordinal_position", [table]).fetchall()]
        select = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in cols)
        state[table] = sorted(con.execute(f'SELECT {select} FROM raw."{table}"').fetchall(), key=repr)
    return state


def test_a_months_files_loaded_side_by_side_store_what_one_at_a_time_stores(tmp_path, monkeypatch) -> None:
    """load_month loads the month's files on LOAD_THREADS connections at once: the raw tables,
    rejects, load log and key fingerprint are the same as loading them one after another (on a
    month with a rejected row, so rejects are written side by side too), and the first
    person-level files loaded together record the key once."""
    import sources.loader as loader

    landing = copy_landing(tmp_path / "landing")
    rows = read_rows(fixture_path(CONTROCC_PAYMENTS))
    rows[1][rows[0].index("Amount")] = "not money"
    place(landing, CONTROCC_PAYMENTS, csv_bytes(rows))
    states = []
    for threads in (1, loader.LOAD_THREADS):
        monkeypatch.setattr(loader, "LOAD_THREADS", threads)
        c = duckdb.connect()
        report = load_month(c, landing, MONTH, pseudo_key=TEST_KEY, council="E06000023")
        assert [f.file_type for f in report.files][:len(MONTHLY_FILE_TYPES)] == [ft.key for ft in MONTHLY_FILE_TYPES]
        assert c.execute("SELECT count(*) FROM raw._pseudonymisation_key").fetchone()[0] == 1
        assert c.execute("SELECT count(*) FROM raw._rejects WHERE file_type = 'controcc_payments'").fetchone()[0] == 1
        states.append(_raw_state(c))
        c.close()
    assert loader.LOAD_THREADS > 1 and states[0] == states[1]
