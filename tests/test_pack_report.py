"""report.html: self-contained, hand-made SVG charts, and what a person sees in a headless browser."""
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import duckdb
import pytest

from orchestration.pack import publish_month
from orchestration.pack import svg
from orchestration.pack.sample_marts import COUNCIL, build_sample_marts

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    with duckdb.connect(str(root / "wh.duckdb")) as con:
        build_sample_marts(con)
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
