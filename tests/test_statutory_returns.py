"""Statutory returns preview (issue 29) on the demo council (`published_site`: 2024-01..2024-03, so
financial year 2023/24 has its March loaded): NHS England's SALT LTS001b equals our LTC_USERS on 31
March, the ASCOF reconciliation explains the whole difference, and the March pack publishes both
tables, suppressed, with a report section. The rules themselves are the dbt unit tests with
hand-made people (_int_unit_tests.yml, _marts_unit_tests.yml)."""
import csv
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.pack.suppression import SUPPRESSED

MARCH = "2024-03"


@pytest.fixture(scope="module")
def marts(published_site):
    with duckdb.connect(str(published_site.warehouse), read_only=True) as con:
        def rows(sql: str) -> list[tuple]:
            return con.execute(sql).fetchall()
        yield {
            "returns": rows("select financial_year, measure, age_band, breakdown, method, value "
                            "from marts.statutory_returns_annual"),
            "reconciliation": rows("select financial_year, measure, age_band, counted_by, reason, admissions, difference "
                                   "from marts.statutory_returns_reconciliation"),
            "ltc_users": rows("select month, age_band, value from marts.kpi_monthly where kpi_code = 'LTC_USERS'"),
            "admissions": rows("select financial_year, age_band, admissions from marts.care_home_admissions_annual"),
        }


def _value(marts, fy, measure, band, breakdown, method):
    found = [r[5] for r in marts["returns"] if r[:5] == (fy, measure, band, breakdown, method)]
    assert len(found) == 1, (fy, measure, band, breakdown, method)
    return found[0]


def test_every_loaded_march_has_its_year(marts):
    years = {r[0] for r in marts["returns"]}
    assert years == {"2023/24"}
    assert {r[1] for r in marts["returns"]} == {"SALT LTS001a", "SALT LTS001b", "ASCOF 2B", "ASCOF 2C"}
    assert _value(marts, "2023/24", "SALT LTS001b", "65+", "Total", "NHS England CLD") > 0


def test_lts001b_by_nhs_england_equals_ltc_users_at_each_march(marts):
    marches = {(m.strftime("%Y-%m"), band): v for m, band, v in marts["ltc_users"] if m.month == 3}
    assert marches, "no March in the demo's kpi_monthly"
    checked = 0
    for (month, band), ltc_users in marches.items():
        if band not in ("18-64", "65+"):
            continue
        fy = f"{int(month[:4]) - 1}/{month[2:4]}"
        assert _value(marts, fy, "SALT LTS001b", band, "Total", "NHS England CLD") == ltc_users, (month, band)
        assert _value(marts, fy, "SALT LTS001b", band, "Total", "ascw") == ltc_users, (month, band)
        checked += 1
    assert checked >= 2, "no 18-64 or 65+ LTC_USERS row at a March"


def test_salt_settings_add_up_to_the_total(marts):
    for method, settings in (("NHS England CLD", ("Community", "Residential", "Nursing", "Prison")),
                             ("ascw", ("Community", "Residential", "Nursing"))):
        for band in ("18-64", "65+"):
            total = _value(marts, "2023/24", "SALT LTS001b", band, "Total", method)
            assert total == sum(_value(marts, "2023/24", "SALT LTS001b", band, f"Setting: {s}", method)
                                for s in settings)


def test_ascw_ascof_is_care_home_admissions_annual(marts):
    assert marts["admissions"]
    for fy, band, admissions in marts["admissions"]:
        measure = "ASCOF 2B" if band == "18-64" else "ASCOF 2C"
        assert _value(marts, fy, measure, band, "Numerator", "ascw") == admissions


def test_reconciliation_explains_the_whole_ascof_difference(marts):
    for measure, band in (("ASCOF 2B", "18-64"), ("ASCOF 2C", "65+")):
        ours = _value(marts, "2023/24", measure, band, "Numerator", "ascw")
        theirs = _value(marts, "2023/24", measure, band, "Numerator", "NHS England CLD")
        rows = [r for r in marts["reconciliation"] if r[:2] == ("2023/24", measure)]
        assert len(rows) == 10  # 2 directions x 5 reasons
        assert sum(r[6] for r in rows) == ours - theirs
        assert sum(r[5] for r in rows if r[3] == "ascw only") - sum(r[5] for r in rows if r[3] == "NHS England only") \
            == ours - theirs


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _small(text: str) -> bool:
    try:
        return 0 < float(text) < 5
    except ValueError:
        return False


def test_march_pack_publishes_both_tables_suppressed(published_site):
    pack = published_site.exports / MARCH
    returns = _csv(pack / "mps_11_statutory_returns.csv")
    reconciliation = _csv(pack / "mps_12_statutory_reconciliation.csv")
    assert {r["financial_year"] for r in returns} == {"2023/24"}
    assert len(reconciliation) == 20
    for r in returns:
        if r["breakdown"] not in ("Population", "Per 100,000"):
            assert not _small(r["england_method"]) and not _small(r["ascw_method"]), r
    for r in reconciliation:
        assert not _small(r["admissions"]), r
        if r["admissions"] == SUPPRESSED:
            assert r["difference"] == SUPPRESSED
    sheets = openpyxl.load_workbook(pack / "mps_tables.xlsx", read_only=True).sheetnames
    assert {"11 Statutory returns", "12 ASCOF reconciliation"} <= set(sheets)
    html = (pack / "report.html").read_text(encoding="utf-8")
    assert "Statutory returns preview" in html and "NHS England" in html and "Why ASCOF 2B/2C differ" in html


def test_a_month_before_march_publishes_no_year(published_site):
    rows = _csv(published_site.exports / "2024-01" / "mps_11_statutory_returns.csv")
    assert rows == []
