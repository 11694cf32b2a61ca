"""Streaming an .ods sheet to CSV (sources.ods) and loading a CQC file delivered as .ods."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import duckdb
import pytest
from readers_helpers import FIXTURES, MONTH, copy_landing

from sources.loader import load_month
from sources.ods import OdsError, iter_sheet_rows, ods_to_csv

CONTENT = FIXTURES / "ods" / "content.xml"


def make_ods(path: Path, content: bytes | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        zf.writestr(
            "content.xml",
            content if content is not None else CONTENT.read_bytes(),
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return path


def test_sheet_rows_expand_repeats_and_drop_padding(tmp_path: Path) -> None:
    rows = list(iter_sheet_rows(make_ods(tmp_path / "r.ods"), "Locations"))
    assert len(rows) == 4  # title, header, data row repeated twice; ~1M padding rows dropped
    header, data = rows[1], rows[2]
    assert len(header) == 28 and header[0] == "Location ID"
    assert rows[3] == data
    assert data[2] == "Brunswick  House\nAnnexe, St Pauls"
    assert data[6:9] == ["", "", ""] and data[12] == ""  # repeated blanks, merged cell
    assert data[17:21] == ["Overall", "Overall", "Good", "2024-08-21"]
    assert data[22] == "FALSE" and data[26] == "1234.5" and len(data) == 27


def test_ods_to_csv_from_the_header_row(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    assert ods_to_csv(make_ods(tmp_path / "r.ods"), "Locations", out) == 2
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Location ID,Location ODS Code,")


def test_ods_errors(tmp_path: Path) -> None:
    with pytest.raises(OdsError, match="no sheet"):
        list(iter_sheet_rows(make_ods(tmp_path / "r.ods"), "HSCA_Active_Locations"))
    with pytest.raises(OdsError, match="no header"):
        ods_to_csv(make_ods(tmp_path / "r.ods"), "Notes", tmp_path / "x.csv")


def test_load_month_reads_a_cqc_ods(tmp_path: Path) -> None:
    landing = copy_landing(tmp_path / "landing")
    (landing / MONTH / f"cqc_latest_ratings_{MONTH}.csv").unlink()
    ods = make_ods(landing / MONTH / f"cqc_latest_ratings_{MONTH}.ods")
    con = duckdb.connect()
    res = load_month(con, landing, MONTH, council="E06000023").get("cqc_latest_ratings")
    assert (res.status, res.file, res.rows_loaded, res.rows_rejected) == ("loaded", ods.name, 2, 0)
    assert con.execute(
        'SELECT DISTINCT "Publication Date", "Location Name", _file FROM raw.cqc_latest_ratings'
    ).fetchall() == [(date(2024, 8, 21), "Brunswick  House\nAnnexe, St Pauls", ods.name)]


def test_broken_ods_is_rejected(tmp_path: Path) -> None:
    landing = copy_landing(tmp_path / "landing")
    (landing / MONTH / f"cqc_latest_ratings_{MONTH}.csv").unlink()
    (landing / MONTH / f"cqc_latest_ratings_{MONTH}.ods").write_bytes(b"not a zip")
    res = load_month(duckdb.connect(), landing, MONTH, council="E06000023").get("cqc_latest_ratings")
    assert res.status == "rejected" and "unreadable .ods" in res.message
