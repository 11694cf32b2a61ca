"""The pack's benchmarking (orchestration/pack/benchmark.py): benchmark.csv, the Benchmark sheet and
the report's section, on the sample marts (orchestration/pack/sample_marts.py) plus a hand-made
marts.benchmark_monthly holding the pack's council and another council."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.pack import publish_month
from orchestration.pack.benchmark import NOT_PUBLISHED_NO_MART, NOT_PUBLISHED_NO_PEERS, latest_march
from orchestration.pack.sample_marts import COUNCIL, build_sample_marts
from orchestration.pack.tables import PackContext

OTHER = "E06000025"
SECRET = 987.654  # the other council's values: never published
STAMP = dt.datetime(2025, 4, 2, 6, 0, tzinfo=dt.timezone.utc)
MAR, FEB = dt.date(2025, 3, 1), dt.date(2025, 2, 1)
SW = ("E12000009", "South West")

COLUMNS = """council_code varchar, month date, measure_code varchar, age_band varchar, value double,
    peer_group varchar, peer_councils bigint, peer_median double, peer_p25 double, peer_p75 double, rank bigint,
    of_councils bigint, measure_name varchar, unit varchar, direction varchar, financial_year varchar,
    region_code varchar, region_name varchar, group_councils bigint, suppressed boolean, part_year boolean,
    benchmarked boolean"""


def row(council, month, code, band, value, group, peers, median, p25, p75, rank, *, unit="percent",
        direction="higher_is_better", fy=None, suppressed=False, name=None):
    region = SW if group == "region" else (None, None)
    return [council, month, code, band, value, group, peers, median, p25, p75, rank, peers, name or code, unit,
            direction, fy, *region, peers + 1, suppressed, False, rank is not None]


ROWS = [
    # published: 4 councils in the South West statistics, 6 in all
    row(COUNCIL, MAR, "LTC_AT_HOME", "65+", 70.5, "region", 4, 65.0, 60.0, 72.25, 2),
    row(COUNCIL, MAR, "LTC_AT_HOME", "65+", 70.5, "all", 6, 68.0, 61.0, 75.0, 3),
    # suppressed in the council's own pack: [c], with the peers' statistics
    row(COUNCIL, MAR, "LTC_AT_HOME", "18-64", None, "region", 3, 80.0, 75.0, 85.0, None, suppressed=True),
    # 2 councils in the region statistics: not published; 5 in all: published
    row(COUNCIL, MAR, "CONTACT_TO_TIER3", "18-64", 6.0, "region", 2, 7.0, 6.5, 7.5, 1, direction="lower_is_better"),
    row(COUNCIL, MAR, "CONTACT_TO_TIER3", "18-64", 6.0, "all", 5, 7.0, 6.0, 9.0, 2, direction="lower_is_better"),
    # the mart does not flag it, but the pack's Table 1 hides Extra Care Housing 65+ service users
    row(COUNCIL, MAR, "AVG_WEEKLY_COST:Extra Care Housing", "65+", 310.0, "all", 3, 300.0, 290.0, 320.0, 1,
        unit="GBP per week", direction=None),
    row(COUNCIL, MAR, "AVG_WEEKLY_COST:Home Care", "All", 290.0, "all", 3, 300.0, 280.0, 320.5, 2,
        unit="GBP per week", direction=None),
    # annual: the financial year that ended by the period (2024/25 on March 2025), not the one before
    row(COUNCIL, MAR, "CARE_HOME_ADMISSIONS_PER_100K", "65+", 927.4193548387096, "region", 3, 900.0, 850.0, 950.0, 3,
        unit="per 100,000", direction="lower_is_better", fy="2024/25"),
    row(COUNCIL, dt.date(2024, 3, 1), "CARE_HOME_ADMISSIONS_PER_100K", "65+", 903.2, "region", 2, 900.0, 850.0,
        950.0, 2, unit="per 100,000", direction="lower_is_better", fy="2023/24"),
    # February 2025 (whose annual measure is 2023/24's, above, of 2 councils): no peer group of 3
    row(COUNCIL, FEB, "LTC_AT_HOME", "65+", 70.0, "region", 2, 65.0, 60.0, 70.0, 1),
    row(COUNCIL, FEB, "LTC_AT_HOME", "65+", 70.0, "all", 1, 70.0, 70.0, 70.0, 1),
    # another council: its rows are never read
    row(OTHER, MAR, "LTC_AT_HOME", "65+", SECRET, "region", 4, 65.0, 60.0, 72.25, 1),
    row(OTHER, MAR, "LTC_AT_HOME", "65+", SECRET, "all", 6, 68.0, 61.0, 75.0, 1),
    row(OTHER, MAR, "LTC_AT_HOME", "18-64", SECRET, "region", 3, 80.0, 75.0, 85.0, 1),
]
EXPECTED_MARCH = {
    ("LTC_AT_HOME", "65+", "region"), ("LTC_AT_HOME", "65+", "all"), ("LTC_AT_HOME", "18-64", "region"),
    ("CONTACT_TO_TIER3", "18-64", "all"), ("AVG_WEEKLY_COST:Extra Care Housing", "65+", "all"),
    ("AVG_WEEKLY_COST:Home Care", "All", "all"), ("CARE_HOME_ADMISSIONS_PER_100K", "65+", "region"),
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        build_sample_marts(con)
        con.execute(f"create table marts.benchmark_monthly ({COLUMNS})")
        con.executemany(f"insert into marts.benchmark_monthly values ({', '.join('?' * 22)})", ROWS)
    return path


def publish(warehouse: Path, out: Path, month: str) -> Path:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return publish_month(con, month, out, council=COUNCIL, manifest_extra={}, published_at=STAMP)


@pytest.fixture(scope="module")
def march(warehouse, tmp_path_factory) -> Path:
    return publish(warehouse, tmp_path_factory.mktemp("exports"), "2025-03")


@pytest.fixture(scope="module")
def february(warehouse, tmp_path_factory) -> Path:
    return publish(warehouse, tmp_path_factory.mktemp("exports"), "2025-02")


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def sheet_rows(path: Path, sheet: str) -> list[list]:
    ws = openpyxl.load_workbook(path)[sheet]
    header_row = int(ws.freeze_panes[1:]) - 1
    return [[c.value for c in r] for r in ws.iter_rows(min_row=header_row)]


def test_csv_and_sheet_hold_the_peer_groups_of_three_or_more(march):
    rows = csv_rows(march / "benchmark.csv")
    assert {(r["measure_code"], r["age_band"], r["peer_group"]) for r in rows} == EXPECTED_MARCH
    assert len(rows) == len(EXPECTED_MARCH)
    assert all(int(r["peer_councils"]) >= 3 for r in rows)
    assert list(rows[0]) == ["measure_code", "measure", "age_band", "period", "peer_group", "peer_group_name", "unit",
                             "direction", "value", "peer_median", "peer_p25", "peer_p75", "rank", "of_councils",
                             "peer_councils", "benchmarked"]
    # KPIs first (18-64, then 65+; region before all), then the rungs' costs, then annual measures
    assert [(r["measure_code"], r["age_band"], r["peer_group"]) for r in rows][:4] == [
        ("LTC_AT_HOME", "18-64", "region"), ("LTC_AT_HOME", "65+", "region"), ("LTC_AT_HOME", "65+", "all"),
        ("CONTACT_TO_TIER3", "18-64", "all")]
    by_key = {(r["measure_code"], r["age_band"], r["peer_group"]): r for r in rows}
    first = by_key[("LTC_AT_HOME", "65+", "region")]
    assert (first["value"], first["peer_median"], first["peer_p25"], first["peer_p75"], first["rank"],
            first["of_councils"], first["peer_group_name"], first["period"]) == \
        ("70.5", "65.0", "60.0", "72.3", "2", "4", "South West region", "2025-03")
    home = by_key[("AVG_WEEKLY_COST:Home Care", "All", "all")]
    assert (home["value"], home["peer_p75"], home["direction"]) == ("290.00", "320.50", "none (ranked highest first)")
    admissions = by_key[("CARE_HOME_ADMISSIONS_PER_100K", "65+", "region")]
    assert (admissions["period"], admissions["value"], admissions["direction"]) == ("2024/25", "927.4", "lower is better")

    mps = openpyxl.load_workbook(march / "mps_tables.xlsx")
    assert mps.sheetnames[-1] == "Benchmark"
    sheet = sheet_rows(march / "mps_tables.xlsx", "Benchmark")
    assert sheet[0][0] == "Measure code" and len(sheet) - 1 == len(rows)
    assert [r[0] for r in sheet[1:]] == [r["measure_code"] for r in rows]
    contents = [c.value for c in mps["Contents"]["A"]]
    assert "Benchmark" in contents


def test_a_suppressed_own_value_is_published_as_c(march):
    by_key = {(r["measure_code"], r["age_band"], r["peer_group"]): r for r in csv_rows(march / "benchmark.csv")}
    flagged = by_key[("LTC_AT_HOME", "18-64", "region")]  # suppressed in the mart
    assert (flagged["value"], flagged["rank"], flagged["benchmarked"]) == ("[c]", "[c]", "No")
    assert (flagged["peer_median"], flagged["peer_councils"]) == ("80.0", "3")  # the peers' statistics stay
    # Not flagged by the mart, but the pack's own Table 1 hides the rung's 65+ service users (secondary
    # suppression), from which the average cost would give the count away.
    ladder = {(r["care_ladder_rung"], r["age_band"]): r for r in csv_rows(march / "mps_01_care_ladder.csv")}
    assert ladder[("Extra Care Housing", "65+")]["service_users"] == "[c]"
    hidden = by_key[("AVG_WEEKLY_COST:Extra Care Housing", "65+", "all")]
    assert (hidden["value"], hidden["rank"]) == ("[c]", "[c]")
    sheet = sheet_rows(march / "mps_tables.xlsx", "Benchmark")
    header = sheet[0]
    ltc = next(r for r in sheet[1:] if r[0] == "LTC_AT_HOME" and r[2] == "18-64")
    assert ltc[header.index("Council value")] == "[c]" and ltc[header.index("Rank (1 = best)")] == "[c]"
    manifest = json.loads((march / "manifest.json").read_text(encoding="utf-8"))
    supp = {(s["table"], s["column"]): s for s in manifest["suppression"]}
    assert supp[("benchmark.csv", "value")]["cells_suppressed"] == 2
    assert {"id": "benchmark", "file": "benchmark.csv"}.items() <= next(
        t for t in manifest["tables"] if t["id"] == "benchmark").items()


def test_no_other_councils_value_or_code_is_published(march):
    text = []
    for p in march.iterdir():
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                text += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        else:
            text.append(p.read_text(encoding="utf-8"))
    blob = "\n".join(text)
    assert "987.6" not in blob and "987,6" not in blob and OTHER not in blob
    assert "council_code" not in (march / "benchmark.csv").read_text(encoding="utf-8").splitlines()[0]


def test_report_has_the_section_with_text_alternatives(march):
    html = (march / "report.html").read_text(encoding="utf-8")
    assert "<h2>How the council compares with other councils</h2>" in html
    section = html[html.index("<h2>How the council compares"):html.index("<h2>What is in this pack")]
    charts = re.findall(r'<svg [^>]*role="img" aria-label="([^"]*)"[^>]*><title>([^<]*)</title>', section)
    assert len(charts) == len(EXPECTED_MARCH)
    assert all(label == title for label, title in charts)
    first = next(t for _, t in charts if t.startswith("LTC_AT_HOME, 65+, 2025-03, South West"))
    assert "South West region" in first and "70.5%" in first and "peer median 65.0%" in first
    assert "interquartile range 60.0% to 72.3%" in first and "rank 2 of 4" in first
    suppressed = next(t for _, t in charts if t.startswith("LTC_AT_HOME, 18-64"))
    assert "[c]" in suppressed and "rank [c]" in suppressed and "peer median 80.0%" in suppressed
    assert "987" not in section
    assert "benchmark.csv" in html  # listed among the pack's files


def test_annual_measures_are_the_financial_year_ended_by_the_period():
    assert latest_march(PackContext(MAR, COUNCIL)) == dt.date(2025, 3, 1)
    assert latest_march(PackContext(FEB, COUNCIL)) == dt.date(2024, 3, 1)
    assert latest_march(PackContext(dt.date(2025, 4, 1), COUNCIL)) == dt.date(2025, 3, 1)


def test_without_a_peer_group_of_three_nothing_is_published_and_the_pack_says_so(february):
    names = {p.name for p in february.iterdir()}
    assert "benchmark.csv" not in names
    mps = openpyxl.load_workbook(february / "mps_tables.xlsx")
    assert "Benchmark" not in mps.sheetnames
    assert NOT_PUBLISHED_NO_PEERS in [c.value for c in mps["Contents"]["A"]]
    html = (february / "report.html").read_text(encoding="utf-8")
    assert "How the council compares" in html and "no measure has a peer group of at least 3 councils" in html
    manifest = json.loads((february / "manifest.json").read_text(encoding="utf-8"))
    entry = next(t for t in manifest["tables"] if t["id"] == "benchmark")
    assert entry["file"] is None and entry["secondary_groups"].startswith("not published")


def test_a_warehouse_without_the_mart_publishes_no_benchmark(tmp_path):
    db = tmp_path / "wh.duckdb"
    with duckdb.connect(str(db)) as con:
        build_sample_marts(con)
    out = publish(db, tmp_path / "exports", "2025-03")
    assert not (out / "benchmark.csv").exists()
    assert NOT_PUBLISHED_NO_MART in [c.value for c in openpyxl.load_workbook(out / "mps_tables.xlsx")["Contents"]["A"]]


def test_a_row_whose_peers_include_a_council_month_blocked_after_the_build_is_left_out(warehouse, tmp_path):
    """The mart leaves out council-months known to be blocked when it was built; one blocked later
    in the same run (by its dbt tests or reconciliation) is in the mart's statistics, so the pack
    leaves out every row those statistics came from (peer_council_codes)."""
    from orchestration.decisions import DECISIONS_DDL

    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute("alter table marts.benchmark_monthly add column peer_council_codes varchar[]")
        con.execute(f"update marts.benchmark_monthly set peer_council_codes = ['{COUNCIL}', 'E06000022', 'E06000024']")
        con.execute(f"update marts.benchmark_monthly set peer_council_codes = ['{COUNCIL}', '{OTHER}', 'E06000024'] "
                    "where measure_code = 'LTC_AT_HOME' and age_band = '65+' and peer_group = 'region'")
        con.execute(DECISIONS_DDL)
        con.execute(f"insert into audit.gate_decisions values ('{OTHER}', '2025-03', true, ['x'], now()),"
                    f" ('{OTHER}', '2025-02', false, [], now()), ('E06000022', '2025-02', true, ['y'], now())")
    rows = csv_rows(publish(copy, tmp_path / "exports", "2025-03") / "benchmark.csv")
    assert {(r["measure_code"], r["age_band"], r["peer_group"]) for r in rows} == EXPECTED_MARCH - {
        ("LTC_AT_HOME", "65+", "region")}
