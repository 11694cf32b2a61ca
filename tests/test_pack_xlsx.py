"""The xlsx pack as analysts expect it (issue 30): real dates, an autofilter and a frozen header on
every table, RAG fills, a Definitions sheet, readable headers, one naming of age bands, numbers
stored as numbers. Read back with openpyxl from a pack published from the hand-made marts
(orchestration/pack/sample_marts.py); test_examples.py checks the headers of a refreshed pack."""
import datetime as dt
from pathlib import Path

import duckdb
import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from orchestration.pack import publish_month
from orchestration.pack.benchmark import LABELS as BENCHMARK_LABELS
from orchestration.pack.columns import LABELS
from orchestration.pack.kpi_definitions import DEFINITIONS
from orchestration.pack.kpis import KPI_NAMES, KPI_ORDER
from orchestration.pack.sample_marts import COUNCIL, build_sample_marts
from orchestration.pack.xlsx_writer import RAG_FILLS

MONTH = "2025-03"
EXTRA = {"source_files": [], "checks": []}


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        build_sample_marts(con)
    with duckdb.connect(str(path), read_only=True) as con:
        return publish_month(con, MONTH, tmp_path_factory.mktemp("exports"), council=COUNCIL, manifest_extra=EXTRA)


def header_row(ws: Worksheet) -> int:
    return int(ws.freeze_panes[1:]) - 1


def table(ws: Worksheet) -> tuple[list[str], list[tuple]]:
    """The sheet's header labels and its data rows (cells, not values)."""
    row = header_row(ws)
    return [c.value for c in ws[row]], [r for r in ws.iter_rows(min_row=row + 1) if any(c.value is not None for c in r)]


def column(ws: Worksheet, label: str) -> list:
    labels, rows = table(ws)
    return [r[labels.index(label)] for r in rows]


def books(pack: Path) -> dict[str, openpyxl.Workbook]:
    return {name: openpyxl.load_workbook(pack / name) for name in ("mps_tables.xlsx", "kpi_pack.xlsx")}


def test_every_table_has_a_frozen_header_and_an_autofilter_over_all_its_rows(pack):
    for book in books(pack).values():
        for ws in book.worksheets:
            row = header_row(ws)
            labels, rows = table(ws)
            assert ws.freeze_panes == f"A{row + 1}", ws.title
            first, last = ws.auto_filter.ref.split(":")
            assert first == f"A{row}", ws.title
            assert last == f"{openpyxl.utils.get_column_letter(len(labels))}{row + max(len(rows), 1)}", ws.title


def test_months_are_excel_dates_not_text(pack):
    kpi = books(pack)["kpi_pack.xlsx"]
    months = column(kpi["Trend"], "Month")
    assert months and all(isinstance(c.value, dt.datetime) and c.value.day == 1 for c in months)
    assert {c.number_format for c in months} == {"mmm yyyy"}
    assert max(c.value for c in months).date() == dt.date(2025, 3, 1)
    assert {c.value.date() for c in column(kpi["KPIs"], "Month")} == {dt.date(2025, 3, 1)}


def test_rag_cells_are_filled_red_amber_or_green(pack):
    cells = column(books(pack)["kpi_pack.xlsx"]["Trend"], "RAG")
    statuses = {c.value for c in cells if c.value in RAG_FILLS}
    assert len(statuses) >= 2, statuses  # the sample marts have more than one status
    for c in cells:
        if c.value in RAG_FILLS:
            assert c.fill.fill_type == "solid" and c.fill.fgColor.rgb.endswith(RAG_FILLS[c.value][0]), c.value
        else:  # suppressed or not applicable: not coloured
            assert c.fill.fill_type is None


def test_the_kpi_pack_has_a_definitions_sheet_with_definition_source_direction_and_target(pack):
    kpi = books(pack)["kpi_pack.xlsx"]
    assert kpi.sheetnames == ["Contents", "KPIs", "Trend", "Definitions"]
    labels, rows = table(kpi["Definitions"])
    assert labels == ["KPI code", "KPI", "Definition", "Source", "Unit", "Direction", "Target 18-64", "Target 65+"]
    got = {r[0].value: [c.value for c in r] for r in rows}
    assert list(got) == list(KPI_ORDER)
    for code, (definition, source) in DEFINITIONS.items():
        assert got[code][1:4] == [KPI_NAMES[code], definition, source]
        assert got[code][5] in ("Higher is better", "Lower is better")
    # direction and targets as marts.kpi_monthly holds them for the month (the sample's LTC_USERS)
    assert got["LTC_USERS"][5] == "Lower is better" and got["FEEL_SAFE"][5] == "Higher is better"
    kpis_labels, kpis_rows = table(kpi["KPIs"])
    targets = {(r[1].value, r[3].value): r[kpis_labels.index("Target")].value for r in kpis_rows}
    for code, row in got.items():
        assert row[6:8] == [targets.get((code, "18-64")), targets.get((code, "65+"))], code
    contents = [r[2] for r in kpi["Contents"].iter_rows(values_only=True) if r[0] == "Definitions"]
    assert contents == ["(no CSV: the definitions of the KPIs)"]


def test_headers_are_readable_labels_never_column_names(pack):
    readable = {*LABELS.values(), *BENCHMARK_LABELS.values(), "Revised [r]", "Sheet", "Table", "CSV file"}
    for name, book in books(pack).items():
        for ws in book.worksheets:
            labels, _ = table(ws)
            assert not [h for h in labels if h not in readable], (name, ws.title)


def test_kpi_names_are_not_clipped_and_long_text_wraps(pack):
    ws = books(pack)["kpi_pack.xlsx"]["Trend"]
    letter = openpyxl.utils.get_column_letter(table(ws)[0].index("KPI") + 1)
    assert ws.column_dimensions[letter].width >= max(len(n) for n in KPI_NAMES.values())
    defs = books(pack)["kpi_pack.xlsx"]["Definitions"]
    cells = column(defs, "Definition")
    long = [c for c in cells if len(c.value) > 90]
    assert long and all(c.alignment.wrap_text for c in long)


def test_lot_numbers_are_numbers_and_age_bands_are_named_alike(pack):
    ws = books(pack)["mps_tables.xlsx"]["10 DPS lot demand"]
    lots = column(ws, "Lot")
    assert lots and all(isinstance(c.value, int) and c.number_format == "0" for c in lots)
    bands = set()
    for book in books(pack).values():
        for sheet in book.worksheets:
            if "Age band" in table(sheet)[0]:
                bands |= {c.value for c in column(sheet, "Age band")}
    assert bands and bands <= {"18-64", "65+", "All"}, bands
