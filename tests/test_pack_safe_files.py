"""Published files are safe to open: no CSV or xlsx cell is a formula, the report escapes every text.

Text from third-party files (CQC location and provider names, area names) reaches the CSVs, the
workbooks and report.html; a name such as ``=HYPERLINK(...)`` or ``<script>`` must stay inert text.
"""
import csv
import io
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.pack import publish_month
from orchestration.pack.csv_writer import csv_line, table_csv
from orchestration.pack.safe_cells import csv_cell, inert_text, is_formula_like, is_number, original_text
from orchestration.pack.sample_marts import COUNCIL, MONTHS, REGION, build_sample_marts
from orchestration.pack.suppression import SuppressionResult
from orchestration.pack.tables import Column, PackContext, PublishedTable
from orchestration.pack.xlsx_writer import workbook_bytes

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
HARMLESS = ["Harbourside Nursing Home", "St. John's", "'quoted'", "", "1-2 Redland Road", "[c]"]
SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'


# ---------------------------------------------------------------- pure functions
@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_is_made_inert(text):
    assert is_formula_like(text)
    assert inert_text(text) == "'" + text
    assert not is_formula_like(inert_text(text))


@pytest.mark.parametrize("text", HARMLESS)
def test_other_text_is_unchanged(text):
    assert not is_formula_like(text)
    assert inert_text(text) == text


@pytest.mark.parametrize("value", [-12.5, Decimal("-12.50"), -3, 0, None, True])
def test_values_that_are_not_text_are_never_altered(value):
    assert not is_formula_like(value)
    assert inert_text(value) is value


def test_a_csv_cell_is_neutralised_only_when_its_mart_value_is_not_a_number():
    assert is_number(Decimal("-12.5")) and is_number(-12.5) and is_number(-3) and not is_number(True)
    assert csv_cell(Decimal("-12.50"), "-12.50") == "-12.50"
    assert csv_cell(-12.5, "-12.5") == "-12.5"
    assert csv_cell("-12.5", "-12.5") == "'-12.5"  # text that reads as a number is still text
    assert csv_cell("-2+3", "-2+3") == "'-2+3"
    assert csv_cell(None, "[z]") == "[z]"


@pytest.mark.parametrize("text", [*HOSTILE, *HARMLESS, "'=1", "''+2", "'", "'-"])
def test_the_csv_rule_can_be_undone(text):
    assert original_text(inert_text(text)) == text
    assert not is_formula_like(inert_text(text))


def test_text_that_starts_with_an_apostrophe_before_a_trigger_gets_one_more():
    assert inert_text("'=1") == "''=1"  # so that original_text never strips a source apostrophe
    assert original_text("''=1") == "'=1" and original_text("'=1") == "=1"
    assert original_text("'quoted'") == "'quoted'"


# ---------------------------------------------------------------- the writers
CTX = PackContext(MONTHS[2], COUNCIL)
NAMES = [*HOSTILE, "#REF!", "Harbourside Nursing Home"]  # "#REF!": openpyxl would make it an error cell


def hostile_table() -> PublishedTable:
    columns = [Column("location_name", "text", "Location name"), Column("provider_name", "text", "Provider name"),
               Column("change_in_spend", "money", "Change in spend"), Column("growth_pct", "pct", "Growth (%)")]
    rows = [{"location_name": name, "provider_name": name, "change_in_spend": Decimal("-12.50"), "growth_pct": -12.5}
            for name in NAMES]
    empty = frozenset()
    return PublishedTable("hostile", "6 Market changes", "mps_06_cqc_market_changes.csv", "Table 6", "units",
                          "Source: test", columns, rows, SuppressionResult(empty, empty, empty))


def test_csv_text_cells_are_inert_and_negative_numbers_untouched():
    rows = list(csv.DictReader(io.StringIO(table_csv(hostile_table()).decode("utf-8"), newline="")))
    assert [r["location_name"] for r in rows] == [inert_text(n) for n in NAMES]
    for row, name in zip(rows, NAMES):
        for col in ("location_name", "provider_name"):
            assert not is_formula_like(row[col]), row
            assert original_text(row[col]) == name
        assert row["change_in_spend"] == "-12.50" and row["growth_pct"] == "-12.5"  # numbers, not altered
    assert rows[0]["location_name"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert rows[2]["provider_name"] == "'-2+3"


def python_csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    return buf.getvalue()


def test_csv_records_are_those_of_the_csv_module_and_a_cr_is_always_quoted():
    rows = [["a", "b,c", 'say "hi"', "line\nbreak", "", " x ", "'=1", "\t=1"], [""], ["", ""], ["[c]", "-12.50"]]
    assert "".join(csv_line(r) for r in rows) == python_csv(rows)
    assert csv_line(["'\r=1", "x"]) == "\"'\r=1\",x\n"  # csv.writer (3.11, LF) leaves it unquoted: Excel splits there
    assert list(csv.reader(io.StringIO(csv_line(["'\r=1", "x"]), newline=""))) == [["'\r=1", "x"]]


def load_sheet(data: bytes, sheet: str):
    return openpyxl.load_workbook(io.BytesIO(data))[sheet]


def assert_no_formula_cells(data: bytes) -> None:
    book = openpyxl.load_workbook(io.BytesIO(data))
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type in ("s", "inlineStr"), (ws.title, cell.coordinate)
                    if is_formula_like(cell.value) or cell.value.startswith("\n="):  # CR reads back as LF
                        assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)


def test_xlsx_cells_are_typed_text_and_numbers_stay_numbers():
    data = workbook_bytes("MPS tables", [hostile_table()], CTX, council_name="Bristol, City of")
    assert_no_formula_cells(data)
    ws = load_sheet(data, "6 Market changes")
    header = next(r for r in range(1, 20) if ws.cell(row=r, column=1).value == "Location name")
    for i, name in enumerate(NAMES, start=header + 1):
        for j in (1, 2):
            cell = ws.cell(row=i, column=j)
            assert cell.value == name.replace("\r", "\n")  # the text as it is (XML reads CR as LF)
            assert cell.data_type == "s"
            assert cell.quotePrefix == is_formula_like(name)
        money, pct = ws.cell(row=i, column=3), ws.cell(row=i, column=4)
        assert (money.value, money.data_type, pct.value, pct.data_type) == (-12.5, "n", -12.5, "n")
        assert money.number_format == "£#,##0.00" and not money.quotePrefix


# ---------------------------------------------------------------- a whole pack
@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    """The sample marts with third-party text replaced by hostile names, published."""
    root = tmp_path_factory.mktemp("hostile")
    db = root / "wh.duckdb"
    with duckdb.connect(str(db)) as con:
        build_sample_marts(con)
        con.execute("alter table marts.cqc_market_changes_monthly add column provider_name varchar")
        con.execute("update marts.cqc_market_changes_monthly set location_name = ?, provider_name = ? "
                    "where location_id = '1-1000000001'", ['=HYPERLINK("http://x","y")', SCRIPT])
        con.execute("update marts.cqc_market_changes_monthly set location_name = ?, provider_name = ? "
                    "where location_id = '1-1000000002'", ["@SUM(A1)", "-2+3"])
        con.execute("update marts.cqc_market_monthly set service_type = ? "
                    "where service_type = 'Supported living service'", [SCRIPT])
        con.execute("alter table marts.cqc_market_monthly add column area_name varchar")
        con.execute("update marts.cqc_market_monthly set area_name = case area_code when ? then ? when ? then ? "
                    "else 'England' end", [COUNCIL, SCRIPT, REGION, ATTRIBUTE])
        con.execute("alter table marts.population_projections add column area_name varchar")
        con.execute("update marts.population_projections set area_name = ?", [SCRIPT])
        con.execute("alter table marts.kpi_monthly add column kpi_name varchar")
        con.execute("update marts.kpi_monthly set kpi_name = ? where kpi_code = 'LTC_USERS'", [SCRIPT])
        con.execute("update marts.kpi_monthly set kpi_name = ? where kpi_code = 'FEEL_SAFE'", ["=1+1"])
    with duckdb.connect(str(db), read_only=True) as con:
        return publish_month(con, "2025-03", root / "exports", council=COUNCIL, manifest_extra={})


def test_published_csvs_and_workbooks_hold_no_formula(pack):
    changes = list(csv.DictReader(io.StringIO((pack / "mps_06_cqc_market_changes.csv").read_text("utf-8"))))
    names = {r["location_id"]: (r["location_name"], r["provider_name"]) for r in changes}
    assert names["1-1000000001"] == ("'=HYPERLINK(\"http://x\",\"y\")", SCRIPT)
    assert names["1-1000000002"] == ("'@SUM(A1)", "'-2+3")
    assert all(r["beds"].lstrip("-").isdigit() for r in changes)
    for path in pack.glob("*.csv"):
        rows = list(csv.reader(io.StringIO(path.read_text("utf-8"), newline="")))
        assert not any(is_formula_like(cell) for row in rows for cell in row), path.name
        assert path.read_text("utf-8") == python_csv(rows)  # the same bytes as the csv module's
    for name in ("mps_tables.xlsx", "kpi_pack.xlsx"):
        assert_no_formula_cells((pack / name).read_bytes())
    ws = load_sheet((pack / "mps_tables.xlsx").read_bytes(), "6 Market changes")
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert cells['=HYPERLINK("http://x","y")'].data_type == "s" and cells['=HYPERLINK("http://x","y")'].quotePrefix
    assert cells["-2+3"].quotePrefix and cells[SCRIPT].data_type == "s"
    kpis = load_sheet((pack / "kpi_pack.xlsx").read_bytes(), "KPIs")
    assert any(c.value == "=1+1" and c.data_type == "s" and c.quotePrefix for row in kpis.iter_rows() for c in row)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


def test_report_escapes_source_text(pack):
    html = (pack / "report.html").read_text("utf-8")
    assert SCRIPT not in html and "<img" not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert html.count(escaped) >= 4  # a KPI name, a CQC service type and area, the projections' area
    assert f"<title>Projected older population, {escaped}</title>" in html
    assert f'aria-label="Projected older population, {escaped}"' in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html  # an area name that tries to leave its attribute
    parser = Tags()
    parser.feed(html)
    assert "script" not in parser.tags and "img" not in parser.tags and parser.handlers == []
