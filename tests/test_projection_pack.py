"""The demand projection, need prevalence and scenarios on the demo council (conftest's
`published_site`, read-only) and in its published packs; the pack's suppression of the projection
tables (pure)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.pack import suppression as sup
from orchestration.pack.projections import (ALL_AGES, BANDS, DEMAND_HEADING, DEMAND_PEOPLE, SCENARIO_HEADING,
                                            series_suppression)
from pipeline_helpers import WAITING_MONTHS, Site
from ui_helpers import CHROMIUM, page

LAST, FIRST = WAITING_MONTHS[-1], WAITING_MONTHS[0]


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def marts(published_site: Site) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(published_site.warehouse), read_only=True)
    yield con
    con.close()


def test_the_demo_projection_is_based_on_the_latest_month(marts: duckdb.DuckDBPyConnection) -> None:
    base, years, rungs, bands, users = marts.execute("""
        select max(base_month), count(distinct projection_year), count(distinct care_ladder_rung),
               count(distinct age_band), sum(base_service_users) filter (where projection_year = year(base_month))
        from marts.demand_projection_annual""").fetchone()
    assert str(base) == f"{LAST}-01" and years == 16 and rungs == 9 and bands == 4 and users > 100
    # the base year's projection is the base; people aged 18+ in Tier 3 at the snapshot
    ladder = marts.execute(f"""select sum(service_users) from marts.care_ladder_monthly
                               where month = '{LAST}-01' and tier = 3 and age_band in ('18-64', '65+')""").fetchone()[0]
    assert users == ladder
    off = marts.execute("""select count(*) from marts.demand_projection_annual
                           where projection_year = year(base_month)
                             and abs(projected_service_users - base_service_users) > 1e-9""").fetchone()[0]
    assert off == 0


def test_need_prevalence_and_scenarios_are_built(marts: duckdb.DuckDBPyConnection) -> None:
    measures = marts.execute("select count(distinct measure), min(people), bool_and(rate_source <> '') "
                             "from marts.need_prevalence_annual").fetchone()
    assert measures[0] == 3 and measures[1] > 0 and measures[2]
    scenarios = [r[0] for r in marts.execute(
        "select distinct scenario from marts.scenario_projection_annual order by 1").fetchall()]
    assert scenarios == ["Reablement first (65+ home care)", "Residential to extra care housing (65+)", "baseline"]
    # people move, they are not created: the shifts' deltas add to 0 per scenario, band and year
    leak = marts.execute("""select max(abs(s)) from (select sum(delta_service_users) s
                            from marts.scenario_projection_annual group by scenario, age_band, projection_year)""").fetchone()
    assert leak[0] < 1e-6
    moved = marts.execute("""select sum(delta_service_users) from marts.scenario_projection_annual
                             where scenario like 'Residential%' and care_ladder_rung = 'Extra Care Housing'""").fetchone()
    assert moved[0] > 0


def test_the_pack_publishes_the_projection_in_its_base_month(published_site: Site) -> None:
    pack = published_site.exports / LAST
    demand = _csv(pack / "demand_projection.csv")
    scenarios = _csv(pack / "scenarios.csv")
    assert demand and scenarios
    assert {r["age_band"] for r in demand} == {*BANDS, ALL_AGES}
    assert {r["scenario"] for r in scenarios} >= {"baseline", "Residential to extra care housing (65+)"}
    sheets = openpyxl.load_workbook(pack / "mps_tables.xlsx", read_only=True).sheetnames
    assert {"Demand projection", "Scenarios"} <= set(sheets)
    # an earlier month's pack (published before the later months were loaded, or in a back-fill)
    # never shows a projection from a month it had not reached
    assert _csv(published_site.exports / FIRST / "demand_projection.csv") == []


def test_every_published_count_of_1_to_4_is_suppressed(published_site: Site) -> None:
    pack = published_site.exports / LAST
    for name, people in (("demand_projection.csv", ("base_service_users", "projected_service_users")),
                         ("scenarios.csv", ("projected_service_users", "delta_service_users"))):
        rows = _csv(pack / name)
        for r in rows:
            for col in people:
                value = r[col]
                assert value == "[c]" or value == "" or not 0 < abs(float(value)) < 5, (name, col, r)
        assert any(r[people[0]] == "[c]" for r in rows), f"{name}: no small count in the demo?"


def test_the_report_shows_the_projection_sections(published_site: Site, tmp_path: Path) -> None:
    html = (published_site.exports / LAST / "report.html").read_text(encoding="utf-8")
    for heading in (DEMAND_HEADING, SCENARIO_HEADING):
        assert f"<h2>{heading}</h2>" in html
    assert "<title>Projected people by care-ladder rung" in html and "<title>Total projected annual cost" in html
    if not CHROMIUM.exists():
        pytest.skip("chromium not installed")
    png = tmp_path / "report.png"
    dom = page((published_site.exports / LAST / "report.html").as_uri(), tmp_path / "profile", screenshot=png)
    assert DEMAND_HEADING in dom and SCENARIO_HEADING in dom
    assert png.exists() and png.stat().st_size > 10_000


# ---------------------------------------------------------------- suppression (pure)
def _row(year: int, rung: str, band: str, base: float, projected: float) -> dict[str, object]:
    return {"projection_year": year, "care_ladder_rung": rung, "age_band": band, "base_service_users": base,
            "projected_service_users": projected, "projected_annual_cost": projected * 100.0}


def test_a_small_count_hides_its_series_in_every_year_and_a_second_band() -> None:
    rows = []
    for year, growth in ((2024, 1.0), (2030, 1.5)):
        bands = {"18-64": 40, "65-74": 3, "75-84": 20, "85+": 10}
        for band, base in bands.items():
            rows.append(_row(year, "Nursing", band, base, base * growth))
        rows.append(_row(year, "Nursing", ALL_AGES, sum(bands.values()), sum(bands.values()) * growth))
    result = series_suppression(rows, people=DEMAND_PEOPLE, follow={"projected_annual_cost": ("projected_service_users",)},
                                series=lambda r: (r["care_ladder_rung"], r["age_band"]),
                                keys=("projection_year", "care_ladder_rung", "age_band"),
                                groups=[sup.GroupSpec("age_band", ALL_AGES, DEMAND_PEOPLE, BANDS)])
    hidden = {(rows[i]["projection_year"], rows[i]["age_band"], c) for i, c in result.hidden}
    for year in (2024, 2030):
        # 65-74 has 3 at the base (4.5 projected in 2030: small too): hidden in both years; 85+
        # (the smallest other band) is hidden so that All - the others does not reveal it
        for band in ("65-74", "85+"):
            assert {(year, band, c) for c in (*DEMAND_PEOPLE, "projected_annual_cost")} <= hidden
        assert not any((year, b, c) in hidden for b in ("18-64", "75-84", ALL_AGES) for c in DEMAND_PEOPLE)
