"""report.html: self-contained, hand-made SVG charts, and what a person sees in a headless browser."""
import csv
import io
import re
import shutil
import struct
import subprocess
import zlib
from html import unescape
from pathlib import Path

import duckdb
import pytest

from orchestration.gates.results import RESULTS_DDL
from orchestration.pack import publish_month, report_sections
from orchestration.pack import svg
from orchestration.pack.sample_marts import COUNCIL, build_sample_marts
from orchestration.pack.tables import TIER3_RUNGS

CHROMIUM = Path("/usr/bin/chromium")


WARNING = "las_cld.in_code_list:Ethnicity"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    with duckdb.connect(str(root / "wh.duckdb")) as con:
        build_sample_marts(con)
        # the month's check results: one failed WARN check (listed), one passed and one of another month (not)
        con.execute("create schema audit")
        con.execute(RESULTS_DDL)
        for month, name, passed, message in (
                ("2025-03-01", WARNING, False, "las_cld_2025-03.csv: 7 rows with an Ethnicity outside the code list"),
                ("2025-03-01", "las_cld.unique:Event Reference", True, "ok"),
                ("2025-02-01", "las_cld.in_code_list:Gender", False, "February's warning")):
            con.execute("insert into audit.check_results (council_code, month, name, severity, passed, skipped, "
                        "message, file) values (?, ?, ?, 'WARN', ?, false, ?, 'las_cld_2025-03.csv')",
                        [COUNCIL, month, name, passed, message])
    with duckdb.connect(str(root / "wh.duckdb"), read_only=True) as con:
        out = publish_month(con, "2025-03", root / "exports", council=COUNCIL, manifest_extra={})
    return out / "report.html"


def test_report_is_self_contained(report):
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script", html, re.IGNORECASE)
    assert not re.search(r"<link\b", html, re.IGNORECASE)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"url\(|@import", html, re.IGNORECASE)


def test_report_has_the_five_charts(report):
    html = report.read_text(encoding="utf-8")
    for title in ("Care ladder: share of Tier 3 spend", "Provider concentration by market",
                  "CQC Overall ratings mix", "Projected older population"):
        assert f"<title>{title}" in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') >= 4 + 14  # + one sparkline per KPI row
    assert 'class="rag"' in html and ">Green<" in html and ">[c]<" in html


def _section(html: str, sid: str) -> str:
    start = html.index(f'<section id="{sid}"')
    return html[start:html.index("</section>", start)]


def test_report_is_an_mps_every_section_with_how_to_read_and_source(report):
    html = report.read_text(encoding="utf-8")
    ids = [s.id for s in report_sections.SECTIONS]
    assert {"kpis", "warnings", "care-ladder", "ladder-trend", "spend-trend", "unit-cost-trend", "client-base",
            "providers", "concentration", "cqc-locations", "market-changes", "admissions", "dps"} <= set(ids)
    for sid in ids:
        part = _section(html, sid)
        assert "How to read this:" in part, sid
        assert "Data as at " in part and '<p class="source">Source: ' in part, sid
        assert f'href="#{sid}"' in html  # in the contents
    assert "Data as at 31 March 2025." in _section(html, "care-ladder")
    assert "Data as at 31 March 2025 (financial year 2024/25)." in _section(html, "client-base")


def test_report_shows_kpi_direction_target_and_rag_not_by_colour_alone(report):
    kpis = _section(report.read_text(encoding="utf-8"), "kpis")
    assert "<th scope=\"col\">Direction</th>" in kpis
    ltc = kpis[kpis.index("Number of service users in long term care"):]
    ltc = ltc[:ltc.index("</tr>")]
    assert ">2,602<" in ltc and ">2,550<" in ltc and "Lower is better" in ltc and "\u25b2 </span>Amber" in ltc
    assert "Higher is better" in kpis


def test_report_lists_the_month_s_warnings(report):
    warnings = _section(report.read_text(encoding="utf-8"), "warnings")
    assert "1 warning check(s) failed for March 2025" in warnings
    assert WARNING in warnings and "las_cld_2025-03.csv" in warnings
    assert "7 rows with an Ethnicity" not in warnings  # messages quote file lines: the private DQ report has them
    assert "February" not in warnings and "Event Reference" not in warnings


def test_report_markets_say_single_provider_and_recipients(report):
    html = report.read_text(encoding="utf-8")
    providers = _section(html, "providers")
    assert "[c] recipients" in providers and "1 provider<" in providers
    reablement = providers[providers.index(">Reablement<"):]
    assert "Single provider" in reablement[:reablement.index("</tr>")]
    concentration = _section(html, "concentration")
    assert ">single provider<" in concentration  # drawn in place of the HHI bar, not 10,000 in the red band
    row = concentration[concentration.index("<td>Reablement</td>"):]
    assert re.findall(r'<td class="n">([^<]*)</td>', row[:row.index("</tr>")])[:3] == ["[z]"] * 3  # not HHI 10,000


def test_report_trends_cover_the_months_and_match_each_month_s_table_1(report):
    html = report.read_text(encoding="utf-8")
    for sid, title in (("ladder-trend", "Tier 3 service users by rung"), ("spend-trend", "Tier 3 committed spend"),
                       ("unit-cost-trend", "Weekly cost per person by rung")):
        assert f"<title>{title}" in _section(html, sid) and "Jan 2025 to Mar 2025" in _section(html, sid)
    ladder = {r["care_ladder_rung"]: r for r in csv.DictReader(io.StringIO(
        (report.parent / "mps_01_care_ladder.csv").read_text(encoding="utf-8"))) if r["age_band"] == "All"}
    people = _section(html, "ladder-trend")
    march = people[people.index("<td>Mar 2025</td>"):]
    march = re.findall(r'<td class="n">([^<]*)</td>', march[:march.index("</tr>")])
    rungs = [r for r in TIER3_RUNGS if r in ladder]
    assert march == [f"{int(ladder[r]['service_users']):,}" if ladder[r]["service_users"].isdigit()
                     else ladder[r]["service_users"] for r in rungs]


def test_a_section_is_added_in_one_line(report, monkeypatch):
    monkeypatch.setattr(report_sections, "SECTIONS", list(report_sections.SECTIONS))
    report_sections.register(report_sections.Section("extra", "An extra section", "Read it so.",
                                                     lambda pack: "<p>extra body</p>"), after="kpis")
    assert [s.id for s in report_sections.SECTIONS][:2] == ["kpis", "extra"]


def test_report_shows_only_published_values(report):
    html = report.read_text(encoding="utf-8")
    # LTC_AT_HOME 18-64 is 97 of 100 (3 people not at home): suppressed in the CSV, so not shown here
    kpis = (report.parent / "kpi_monthly.csv").read_text(encoding="utf-8")
    assert "2025-03-01,LTC_AT_HOME,% of long term service users supported at home or in a tenancy,18-64,[c]" in kpis
    assert "97.0%" not in html and ">97<" not in html
    assert "a9f3c2e1d4b5" not in html and "987654" not in html


def test_svg_primitives_handle_markers_and_gaps():
    out = svg.grouped_hbars("t", ["A", "B"], [("s", [10.0, "[c]"], "#000")])
    assert out.count("<rect") == 1 + 1 and "[c]" in out  # legend swatch + one bar
    spark = svg.sparkline([1.0, None, 3.0, 4.0])
    assert spark.count("<polyline") == 1 and spark.count("<circle") == 2
    assert "no data" in svg.sparkline(["[c]", None])
    assert svg.nice_ceiling(34.2) == 40 and svg.nice_ceiling(90865) == 100000


def png_size_and_pixels(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return width, height, zlib.decompress(idat)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium not installed")
def test_headless_screenshot_is_not_blank(report, tmp_path):
    png = tmp_path / "report.png"
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}", "--window-size=1280,2000",
           report.resolve().as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=90, check=False)
    assert png.exists(), "chromium wrote no screenshot"
    width, height, pixels = png_size_and_pixels(png)
    assert (width, height) == (1280, 2000)
    assert png.stat().st_size > 30_000
    assert len(set(pixels[::97])) > 40  # many distinct byte values: text and charts, not a blank page
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium not installed")
def test_headless_chromium_draws_every_section(report, tmp_path):
    from ui_helpers import report_sections_seen

    seen = report_sections_seen(report, tmp_path, tmp_path / "report.png")
    assert seen == [s.id for s in report_sections.SECTIONS] + ["revisions", "files"]


# ----------------------------------------------------------------------------- England (issue 30)
def _admissions(rows: list[tuple], *, england: bool = True):
    """Table 9 and its report section for March 2025, from a care_home_admissions_annual of `rows`
    (financial_year, age_band, admissions, population, per_100k[, england_per_100k, england_source])."""
    import datetime as dt
    from types import SimpleNamespace

    from orchestration.pack import report_mps
    from orchestration.pack.tables import PackContext, care_home_admissions

    extra = ", ascof_measure varchar, england_per_100k double, england_source varchar" if england else ""
    with duckdb.connect() as con:
        con.execute("create schema marts")
        con.execute("create table marts.care_home_admissions_annual (council_code varchar, financial_year varchar, "
                    "age_band varchar, admissions bigint, population bigint, per_100k double, population_year integer, "
                    f"months_loaded integer{extra})")
        for r in rows:
            fy, band, *rest = r
            measure = {"18-64": "ASCOF 2B", "65+": "ASCOF 2C"}[band]
            values = [COUNCIL, fy, band, *rest[:3], int(fy[:4]), 12, *([measure, *rest[3:]] if england else [])]
            con.execute(f"insert into marts.care_home_admissions_annual values ({', '.join('?' * len(values))})", values)
        ctx = PackContext(month=dt.date(2025, 3, 1), council=COUNCIL)
        table = care_home_admissions(con, ctx)
    return table, report_mps.admissions_section(SimpleNamespace(mps=[table], ctx=ctx))


def test_admissions_show_england_beside_the_council_for_the_same_year_and_band():
    table, html = _admissions([
        ("2023/24", "18-64", 30, 300_000, 10.0, 14.5, "NHS England, ASCOF 2023-24"),
        ("2023/24", "65+", 400, 70_000, 571.4, 566.0, "NHS England, ASCOF 2023-24"),
        ("2024/25", "18-64", 36, 300_000, 12.0, 15.1, "NHS England, ASCOF 2024-25"),
        ("2024/25", "65+", 420, 70_000, 600.0, 580.2, "NHS England, ASCOF 2024-25"),
    ])
    assert [c.name for c in table.columns][-1] == "england_per_100k"
    assert "England: the council's reference/national_comparators.csv" in table.source
    assert "ASCOF 2C 2024/25: NHS England, ASCOF 2024-25" in " ".join(table.notes)
    england = unescape(html[html.index("<h3>Against England</h3>"):html.index("<h3>Against other councils</h3>")])
    assert "65+ (ASCOF 2C), 2024/25: the council 600.0 per 100,000, England 580.2." in england
    assert "18-64 (ASCOF 2B), 2024/25: the council 12.0 per 100,000, England 15.1." in england
    assert "<title>Permanent admissions 65+ per 100,000 (ASCOF 2C): the council and England" in england
    assert "not held" not in england


def test_admissions_say_england_is_not_held_for_a_year_without_its_row():
    """The file has 2023/24 only: 2024/25 says England's figure is not held; 2023/24's never stands in."""
    table, html = _admissions([
        ("2023/24", "18-64", 30, 300_000, 10.0, 14.5, "NHS England"),
        ("2023/24", "65+", 400, 70_000, 571.4, 566.0, "NHS England"),
        ("2024/25", "18-64", 36, 300_000, 12.0, None, None),
        ("2024/25", "65+", 420, 70_000, 600.0, None, None),
    ])
    england = unescape(html[html.index("<h3>Against England</h3>"):html.index("<h3>Against other councils</h3>")])
    assert ("65+ (ASCOF 2C), 2024/25: the council 600.0 per 100,000; England's figure for 2024/25 is not held "
            "(reference/national_comparators.csv has no ASCOF 2C row for 2024/25).") in england
    sentences = england[:england.index("<svg")]
    assert "566" not in sentences and "14.5" not in sentences
    assert "No England figure is held for 2024/25." in " ".join(table.notes)
    # no row at all (the optional file absent): the pack still publishes and says so
    table, html = _admissions([("2024/25", "65+", 420, 70_000, 600.0, None, None)])
    assert "England per 100,000: not held" in " ".join(table.notes) and "is not held" in unescape(html)
    # marts built before the England column: the comparison is not shown, and says why
    table, html = _admissions([("2024/25", "65+", 420, 70_000, 600.0)], england=False)
    assert "england_per_100k" not in [c.name for c in table.columns]
    assert "England's rate is not held in this warehouse" in unescape(html)
