"""The core marts against figures worked out BY HAND from OUTPUTS.md.

The landing directory `tests/fixtures/handwritten_landing/` was written by hand to SOURCES.md:
two months (2025-03, 2025-04: the second crosses the financial-year boundary), eight people,
eleven ContrOCC lines, six survey responses. It is loaded with the real loader
(`sources.loader`), `dbt build` runs the core marts (and everything they depend on, including
their data tests and unit tests) into a temporary warehouse, and every expected row below is
literal, with the arithmetic in a comment.

Cast (DOB -> age at 31/03/2025, at 30/04/2025; PSR):
  P1 1950-06-15 -> 74, 74 (65+)          Physical Support: Personal care support
  P2 1960-04-10 -> 64 (18-64), 65 (65+)  Learning Disability Support   <- crosses a band
  P3 1985-01-01 -> 40, 40 (18-64)        Mental Health Support
  P4 1940-02-29 -> 85, 85 (65+)          Support with Memory & Cognition
  P5 1990-07-07 -> 34 (18-64)            Unknown (information and advice only)
  P6 1955-03-31 -> 70 (birthday on the snapshot), 70 (65+)  Physical Support: Access & mobility only
  P7 no CLD row -> age unknown: counts only in `All`
  P8 2008-05-01 -> 16: under 18, counts only in `All`

ContrOCC lines (latest version; weekly cost; dates; supplier; rung):
  SA1/1  P1 1000.00  01/01/2025-open        S1 (Bristol)  Nursing      CQC 1-101
  SA2/1  P2  700.00  16/03/2025-open        S2 (Bristol)  Supp. Living CQC 1-202  35 h/wk
  SA3/1  P3  300.00  01/02/2025-10/04/2025  S1            Home Care    CQC 1-303  12 h/wk
         (the March file said 350.00 = 25 x 14 and open; the April file's version wins)
  SA4/1  P4  800.00  01/12/2024-open        S3 (BaNES)    Residential  CQC 1-404, placed in BaNES
  SA5/1  P6  210.00  20/03/2025-open        S4 (Bristol)  Direct Payments
  SA6/1  P7  200.00  01/03/2025-31/03/2025  S2            Home Care    CQC 1-202  10 h/wk
  SA7/1  P8  126.00  15/03/2025-open        S4            Home Care    7 h/wk ('hour'), no placement LA
  SA8/1  P3  300.00  01/03/2025-14/03/2025  S2            Reablement
  SA9/1  P2  100.00  07/04/2025-open        S1            Day Care (Day Support)
  SA10/1 P3   40.00  03/04/2025-open        S1            Day Care (Day Support), S117
  SA11/1 P6   60.00  14/04/2025-open        S2            Home Care (Learning/Education/Employment Support) 4 h/wk
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dbt_helpers import HANDWRITTEN_LANDING as LANDING
from dbt_helpers import load_landing, run_dbt
CORE_MARTS = (
    "care_ladder_monthly",
    "provider_concentration_monthly",
    "kpi_monthly",
    "dps_lot_demand_monthly",
    "high_cost_placements",
    "review_outcomes_monthly",
)
MAR, APR = date(2025, 3, 1), date(2025, 4, 1)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    tmp = tmp_path_factory.mktemp("handwritten")
    db = tmp / "warehouse.duckdb"
    load_landing(db, LANDING, pseudo_key="handwritten-test-key")
    selector = " ".join(f"+{m}" for m in CORE_MARTS)
    run = run_dbt(["build", "--select", *selector.split(), "--indirect-selection", "cautious"], tmp, db)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return [tuple(r) for r in con.execute(sql).fetchall()]


def _approx_rows(rows: list[tuple]) -> list[tuple]:
    return [tuple(pytest.approx(v, abs=1e-9) if isinstance(v, float) else v for v in r) for r in rows]


# --------------------------------------------------------------------------------------------
# care_ladder_monthly
# --------------------------------------------------------------------------------------------
def test_care_ladder_full_grid(warehouse):
    # 2 months x 12 rungs x 3 bands
    assert _rows(warehouse, "select count(*) from marts.care_ladder_monthly") == [(72,)]


def test_care_ladder_non_zero_rows(warehouse):
    got = _rows(warehouse, """
        select month, care_ladder_rung, age_band, service_users, active_lines, weekly_cost, spend,
               pct_spend, pct_activity, weekly_hours
        from marts.care_ladder_monthly
        where service_users > 0 or active_lines > 0 or spend > 0
        order by month, age_band, care_ladder_rung""")
    D = Decimal
    # March (31 days). cost-days = weekly x days; spend = cost-days / 7.
    #  SA1 1000 x 31 = 31000 -> 4428.571 ; SA4 800 x 31 = 24800 -> 3542.857
    #  SA2 700 x 16 (16..31 Mar) = 11200 -> 1600.00 ; SA3 300 x 31 = 9300 -> 1328.571
    #  SA5 210 x 12 (20..31) = 2520 -> 360.00 ; SA6 200 x 31 = 6200 ; SA7 126 x 17 (15..31) = 2142
    #  SA8 300 x 14 = 4200 -> 600.00 (Tier 2, ended 14/03: not active at the snapshot)
    # 18-64 (P2 64, P3): Tier 3 = 11200 + 9300 = 20500
    # 65+ (P1, P4, P6): Tier 3 = 31000 + 24800 + 2520 = 58320
    # All: Tier 3 = 31000 + 24800 + 11200 + (9300 + 6200 + 2142 = 17642) + 2520 = 87162;
    #      Tier 3 users 1 + 1 + 1 + 3 + 1 = 7
    # Information & Advice: P5's request E501 ended 05/03 with `NFA: Information and advice or
    #   signposting` (Release 2) -> 1 person, 18-64.
    # April (30 days):
    #  SA1 30000 -> 4285.714 ; SA4 24000 -> 3428.571 ; SA2 21000 -> 3000.00 (P2 now 65+)
    #  SA3 300 x 10 (1..10 Apr) = 3000 -> 428.571 (18-64, not active at the snapshot)
    #  SA5 210 x 30 = 6300 -> 900.00 ; SA7 126 x 30 = 3780 ; SA11 60 x 17 (14..30) = 1020
    #  SA9 100 x 24 (7..30) = 2400 -> 342.857 ; SA10 40 x 28 (3..30) = 1120 -> 160.00
    # 18-64 (P3 only): Tier 3 = 3000 + 1120 = 4120; users: Day Care 1 (Home Care 0)
    # 65+: Tier 3 = 30000 + 24000 + 21000 + 2400 + 6300 + 1020 = 84720; users 6 (one per rung)
    # All: Tier 3 = 30000 + 24000 + 21000 + (3000 + 3780 + 1020 = 7800) + 3520 + 6300 = 92620;
    #      users 1 + 1 + 1 + 2 (P8, P6) + 2 (P2, P3) + 1 = 8
    # Information & Advice April: P5's E502 ended 02/04 -> 1.
    expected = [
        # March 18-64
        (MAR, "Home Care", "18-64", 1, 1, D("300.00"), D("1328.57"), 100 * 9300 / 20500, 50.0, 12.0),
        (MAR, "Information & Advice", "18-64", 1, 0, D("0.00"), D("0.00"), None, None, 0.0),
        (MAR, "Reablement", "18-64", 0, 0, D("0.00"), D("600.00"), None, None, 0.0),
        (MAR, "Supported Living", "18-64", 1, 1, D("700.00"), D("1600.00"), 100 * 11200 / 20500, 50.0, 35.0),
        # March 65+
        (MAR, "Direct Payments", "65+", 1, 1, D("210.00"), D("360.00"), 100 * 2520 / 58320, 100 / 3, 0.0),
        (MAR, "Nursing", "65+", 1, 1, D("1000.00"), D("4428.57"), 100 * 31000 / 58320, 100 / 3, 0.0),
        (MAR, "Residential", "65+", 1, 1, D("800.00"), D("3542.86"), 100 * 24800 / 58320, 100 / 3, 0.0),
        # March All (Home Care: P3, P7, P8; 300 + 200 + 126 = 626; 17642 / 7 = 2520.2857; 12 + 10 + 7 h)
        (MAR, "Direct Payments", "All", 1, 1, D("210.00"), D("360.00"), 100 * 2520 / 87162, 100 / 7, 0.0),
        (MAR, "Home Care", "All", 3, 3, D("626.00"), D("2520.29"), 100 * 17642 / 87162, 300 / 7, 29.0),
        (MAR, "Information & Advice", "All", 1, 0, D("0.00"), D("0.00"), None, None, 0.0),
        (MAR, "Nursing", "All", 1, 1, D("1000.00"), D("4428.57"), 100 * 31000 / 87162, 100 / 7, 0.0),
        (MAR, "Reablement", "All", 0, 0, D("0.00"), D("600.00"), None, None, 0.0),
        (MAR, "Residential", "All", 1, 1, D("800.00"), D("3542.86"), 100 * 24800 / 87162, 100 / 7, 0.0),
        (MAR, "Supported Living", "All", 1, 1, D("700.00"), D("1600.00"), 100 * 11200 / 87162, 100 / 7, 35.0),
        # April 18-64
        (APR, "Day Care", "18-64", 1, 1, D("40.00"), D("160.00"), 100 * 1120 / 4120, 100.0, 0.0),
        (APR, "Home Care", "18-64", 0, 0, D("0.00"), D("428.57"), 100 * 3000 / 4120, 0.0, 0.0),
        (APR, "Information & Advice", "18-64", 1, 0, D("0.00"), D("0.00"), None, None, 0.0),
        # April 65+
        (APR, "Day Care", "65+", 1, 1, D("100.00"), D("342.86"), 100 * 2400 / 84720, 100 / 6, 0.0),
        (APR, "Direct Payments", "65+", 1, 1, D("210.00"), D("900.00"), 100 * 6300 / 84720, 100 / 6, 0.0),
        (APR, "Home Care", "65+", 1, 1, D("60.00"), D("145.71"), 100 * 1020 / 84720, 100 / 6, 4.0),
        (APR, "Nursing", "65+", 1, 1, D("1000.00"), D("4285.71"), 100 * 30000 / 84720, 100 / 6, 0.0),
        (APR, "Residential", "65+", 1, 1, D("800.00"), D("3428.57"), 100 * 24000 / 84720, 100 / 6, 0.0),
        (APR, "Supported Living", "65+", 1, 1, D("700.00"), D("3000.00"), 100 * 21000 / 84720, 100 / 6, 35.0),
        # April All (Home Care: P8 126 + P6 60 = 186; 7800 / 7 = 1114.2857; 7 + 4 h)
        (APR, "Day Care", "All", 2, 2, D("140.00"), D("502.86"), 100 * 3520 / 92620, 25.0, 0.0),
        (APR, "Direct Payments", "All", 1, 1, D("210.00"), D("900.00"), 100 * 6300 / 92620, 12.5, 0.0),
        (APR, "Home Care", "All", 2, 2, D("186.00"), D("1114.29"), 100 * 7800 / 92620, 25.0, 11.0),
        (APR, "Information & Advice", "All", 1, 0, D("0.00"), D("0.00"), None, None, 0.0),
        (APR, "Nursing", "All", 1, 1, D("1000.00"), D("4285.71"), 100 * 30000 / 92620, 12.5, 0.0),
        (APR, "Residential", "All", 1, 1, D("800.00"), D("3428.57"), 100 * 24000 / 92620, 12.5, 0.0),
        (APR, "Supported Living", "All", 1, 1, D("700.00"), D("3000.00"), 100 * 21000 / 92620, 12.5, 35.0),
    ]
    assert got == _approx_rows(expected)


def test_care_ladder_tiers_and_null_pcts(warehouse):
    got = _rows(warehouse, """
        select care_ladder_rung, tier, count(*) filter (where pct_spend is not null)
        from marts.care_ladder_monthly where month = '2025-03-01' and age_band = 'All'
        group by 1, 2 order by 2, 1""")
    # pct only on Tier 3 rungs that have spend in March (Nursing, Residential, Supported Living,
    # Home Care, Direct Payments); zero-spend Tier 3 rungs get 0.0 (the band has Tier 3 spend).
    assert got == [
        ("Information & Advice", 1, 0),
        ("Reablement", 2, 0), ("Short Term Care", 2, 0),
        ("Adult Placement", 3, 1), ("Day Care", 3, 1), ("Direct Payments", 3, 1),
        ("Extra Care Housing", 3, 1), ("Home Care", 3, 1), ("Nursing", 3, 1),
        ("Residential", 3, 1), ("Supported Accommodation", 3, 1), ("Supported Living", 3, 1),
    ]


# --------------------------------------------------------------------------------------------
# provider_concentration_monthly
# --------------------------------------------------------------------------------------------
def test_provider_concentration(warehouse):
    got = _rows(warehouse, """
        select month, care_ladder_rung, providers, providers_in_area, spend, top5_share_pct, hhi,
               largest_supplier_share_pct, largest_supplier_id, single_supplier_dependency,
               out_of_area_placements
        from marts.provider_concentration_monthly
        where providers > 0 order by month, care_ladder_rung""")
    D = Decimal
    # March Home Care: S1 9300, S2 6200, S4 2142 cost-days of 17642 -> shares 52.7151 / 35.1434 /
    #   12.1415 %; HHI = 10000 x (9300^2 + 6200^2 + 2142^2) / 17642^2 = 10000 x 129518164 / 311240164
    # April Home Care: S4 3780, S1 3000, S2 1020 of 7800 -> largest S4 48.4615 %;
    #   HHI = 10000 x (3780^2 + 3000^2 + 1020^2) / 7800^2 = 10000 x 24328800 / 60840000
    # Residential: S3 is in BaNES (E06000022): 0 providers in area; SA4 placed in BaNES -> 1 out of area.
    expected = [
        (MAR, "Direct Payments", 1, 1, D("360.00"), 100.0, 10000.0, 100.0, "S4", True, 0),
        (MAR, "Home Care", 3, 3, D("2520.29"), 100.0, 10000 * 129518164 / 311240164, 100 * 9300 / 17642, "S1", True, 0),
        (MAR, "Nursing", 1, 1, D("4428.57"), 100.0, 10000.0, 100.0, "S1", True, 0),
        # Tier 2: the pct columns (and the dependency flag built on one) are null; HHI is given.
        (MAR, "Reablement", 1, 1, D("600.00"), None, 10000.0, None, "S2", None, 0),
        (MAR, "Residential", 1, 0, D("3542.86"), 100.0, 10000.0, 100.0, "S3", True, 1),
        (MAR, "Supported Living", 1, 1, D("1600.00"), 100.0, 10000.0, 100.0, "S2", True, 0),
        (APR, "Day Care", 1, 1, D("502.86"), 100.0, 10000.0, 100.0, "S1", True, 0),
        (APR, "Direct Payments", 1, 1, D("900.00"), 100.0, 10000.0, 100.0, "S4", True, 0),
        (APR, "Home Care", 3, 3, D("1114.29"), 100.0, 10000 * 24328800 / 60840000, 100 * 3780 / 7800, "S4", True, 0),
        (APR, "Nursing", 1, 1, D("4285.71"), 100.0, 10000.0, 100.0, "S1", True, 0),
        (APR, "Residential", 1, 0, D("3428.57"), 100.0, 10000.0, 100.0, "S3", True, 1),
        (APR, "Supported Living", 1, 1, D("3000.00"), 100.0, 10000.0, 100.0, "S2", True, 0),
    ]
    assert got == _approx_rows(expected)
    # full grid: 2 months x 11 markets (Tier 2 and 3)
    assert _rows(warehouse, "select count(*) from marts.provider_concentration_monthly") == [(22,)]


# --------------------------------------------------------------------------------------------
# kpi_monthly
# --------------------------------------------------------------------------------------------
def test_kpi_monthly(warehouse):
    got = _rows(warehouse, """
        select month, kpi_code, age_band, value, target, rag, numerator, denominator
        from marts.kpi_monthly order by month, kpi_code, age_band""")
    # LTC_USERS 31/03: P2, P3 (18-64); P1 Nursing, P4 Residential, P6 Community (65+)
    # LTC_USERS 30/04: P3 (E304; E301 ended 10/04) 18-64; P1, P2 (65 on 10/04), P4, P6 65+
    # AVG_WEEKLY_COST March: (700 + 300) / 2 = 500; (1000 + 800 + 210) / 3 = 670 -> Amber
    #   (target 640, 640 x 1.1 = 704). April: 40 / 1 ; (1000 + 700 + 100 + 800 + 210 + 60) / 4 = 717.5 Red
    # CONTACT_TO_TIER3 March window 01/04/2024-31/03/2025: 18-64 P2 (req 01/02, LTS 16/03: yes),
    #   P5 (no) = 1/2; 65+ P6 (earliest 01/04/2024: no), P4 (req 01/09/2024, LTS 01/12 = 91 days:
    #   no) = 0/2. April window 01/05/2024-30/04/2025: 65+ P6 (req 20/12/2024 + 90 = 20/03/2025 =
    #   LTS start: yes), P4 (no) = 1/2.
    # CONTROL_DAILY_LIFE (Q3a in 1,2): 18-64 (1 + 2) / (1 + 1 + 2) = 75 (Amber: 80 x 0.9 = 72);
    #   65+ 1 / (1.5 + 1) = 40. FEEL_SAFE (Q7b = 1): 18-64 3 / 4 = 75; 65+ 1.5 / (1.5 + 0.5) = 75.
    # CQC_GOOD_OR_BETTER March: 18-64 1-202 Requires Improvement, 1-303 Outstanding = 1/2;
    #   65+ 1-101 Good, 1-404 Not Rated (not a rating) = 1/1. April: 18-64 no CQC location;
    #   65+ 1-101 Good, 1-202 Good, 1-404 Inadequate = 2/3.
    expected = [
        (MAR, "AVG_WEEKLY_COST", "18-64", 500.0, 780.0, "Green", 1000.0, 2.0),
        (MAR, "AVG_WEEKLY_COST", "65+", 670.0, 640.0, "Amber", 2010.0, 3.0),
        (MAR, "CONTACT_TO_TIER3", "18-64", 50.0, 3.0, "Red", 1.0, 2.0),
        (MAR, "CONTACT_TO_TIER3", "65+", 0.0, 7.5, "Green", 0.0, 2.0),
        (MAR, "CONTROL_DAILY_LIFE", "18-64", 75.0, 80.0, "Amber", 3.0, 4.0),
        (MAR, "CONTROL_DAILY_LIFE", "65+", 40.0, 80.0, "Red", 1.0, 2.5),
        (MAR, "CQC_GOOD_OR_BETTER", "18-64", 50.0, 90.0, "Red", 1.0, 2.0),
        (MAR, "CQC_GOOD_OR_BETTER", "65+", 100.0, 90.0, "Green", 1.0, 1.0),
        (MAR, "FEEL_SAFE", "18-64", 75.0, 90.0, "Red", 3.0, 4.0),
        (MAR, "FEEL_SAFE", "65+", 75.0, 90.0, "Red", 1.5, 2.0),
        (MAR, "LTC_AT_HOME", "18-64", 100.0, 84.0, "Green", 2.0, 2.0),
        (MAR, "LTC_AT_HOME", "65+", 100 / 3, 61.0, "Red", 1.0, 3.0),
        (MAR, "LTC_USERS", "18-64", 2.0, 2550.0, "Green", 2.0, None),
        (MAR, "LTC_USERS", "65+", 3.0, 2580.0, "Green", 3.0, None),
        (APR, "AVG_WEEKLY_COST", "18-64", 40.0, 780.0, "Green", 40.0, 1.0),
        (APR, "AVG_WEEKLY_COST", "65+", 717.5, 640.0, "Red", 2870.0, 4.0),
        (APR, "CONTACT_TO_TIER3", "18-64", 50.0, 3.0, "Red", 1.0, 2.0),
        (APR, "CONTACT_TO_TIER3", "65+", 50.0, 7.5, "Red", 1.0, 2.0),
        (APR, "CONTROL_DAILY_LIFE", "18-64", 75.0, 80.0, "Amber", 3.0, 4.0),
        (APR, "CONTROL_DAILY_LIFE", "65+", 40.0, 80.0, "Red", 1.0, 2.5),
        (APR, "CQC_GOOD_OR_BETTER", "18-64", None, 90.0, None, None, None),
        (APR, "CQC_GOOD_OR_BETTER", "65+", 200 / 3, 90.0, "Red", 2.0, 3.0),
        (APR, "FEEL_SAFE", "18-64", 75.0, 90.0, "Red", 3.0, 4.0),
        (APR, "FEEL_SAFE", "65+", 75.0, 90.0, "Red", 1.5, 2.0),
        (APR, "LTC_AT_HOME", "18-64", 100.0, 84.0, "Green", 1.0, 1.0),
        (APR, "LTC_AT_HOME", "65+", 50.0, 61.0, "Red", 2.0, 4.0),
        (APR, "LTC_USERS", "18-64", 1.0, 2550.0, "Green", 1.0, None),
        (APR, "LTC_USERS", "65+", 4.0, 2580.0, "Green", 4.0, None),
    ]
    assert got == _approx_rows(expected)


# --------------------------------------------------------------------------------------------
# dps_lot_demand_monthly, high_cost_placements, review_outcomes_monthly
# --------------------------------------------------------------------------------------------
def test_dps_lot_demand(warehouse):
    # 47 lots listed each month; the forum's Under 65 / Over 65 published as 18-64 / 65+
    assert _rows(warehouse, "select count(*) from marts.dps_lot_demand_monthly") == [(94,)]
    got = _rows(warehouse, """
        select month, lot, service, client_group, age_band, packages
        from marts.dps_lot_demand_monthly where packages > 0 order by month, lot""")
    # March: SA2 starts 16/03 (Community Supported Living), P2 LD aged 64 -> lot 29.
    # April: SA10 S117 Day Support, P3 40 -> lot 7; SA9 Day Support P2 aged 64 on 07/04 -> lot 13;
    #        SA11 Learning/Education/Employment Support, P6 physical aged 70 -> lot 38.
    assert got == [
        (MAR, 29, "Supported Living", "LD/Autistic", "18-64", 1),
        (APR, 7, "Day Services", "Detained under MHA", "18-64", 1),
        (APR, 13, "Day Services", "LD/Autistic", "18-64", 1),
        (APR, 38, "Support to Access the Community", "Physical Disability", "65+", 1),
    ]


def test_high_cost_placements(warehouse):
    got = _rows(warehouse, """
        select month, service_line_id, care_ladder_rung, client_category, weekly_cost,
               p90_weekly_cost, excess_weekly_cost, peer_lines
        from marts.high_cost_placements order by month, service_line_id""")
    # March Home Care, Physical Disability, Hearing & Vision: SA6 (P7, no CLD row) 200.00 and SA7
    #   (P8, 16, physical) 126.00: p90 = 126 + 0.9 x (200 - 126) = 192.60; 200 > 192.60, excess 7.40.
    # Every other peer group has one line (p90 = its own cost, not above it).
    assert got == [
        (MAR, "SA6/1", "Home Care", "Physical Disability, Hearing & Vision",
         Decimal("200.00"), Decimal("192.60"), Decimal("7.40"), 2),
    ]


def test_review_outcomes(warehouse):
    got = _rows(warehouse, """
        select month, age_band, reviews_completed, packages_reduced, packages_increased,
               packages_same, weekly_cost_before, weekly_cost_after, weekly_cost_change
        from marts.review_outcomes_monthly order by month, age_band""")
    D = Decimal
    # March: E303 (P3, 20/03-25/03): 19/03 SA3 300.00; 17/04 SA10 40.00 (SA3 ended 10/04) -> Reduced.
    # April: E402 (P4, 01/04-15/04): 31/03 800 -> 29/04 800: Same.
    #        E605 (P6, 10/04-20/04): 09/04 SA5 210 -> 08/05 SA5 210 + SA11 60 = 270: Increased.
    assert got == [
        (MAR, "18-64", 1, 1, 0, 0, D("300.00"), D("40.00"), D("-260.00")),
        (MAR, "65+", 0, 0, 0, 0, D("0.00"), D("0.00"), D("0.00")),
        (MAR, "All", 1, 1, 0, 0, D("300.00"), D("40.00"), D("-260.00")),
        (APR, "18-64", 0, 0, 0, 0, D("0.00"), D("0.00"), D("0.00")),
        (APR, "65+", 2, 0, 1, 1, D("1010.00"), D("1070.00"), D("60.00")),
        (APR, "All", 2, 0, 1, 1, D("1010.00"), D("1070.00"), D("60.00")),
    ]


def test_no_clear_identifiers_in_marts(warehouse):
    # The hand-written identifiers (P0001...) never reach a mart: only keyed hashes.
    for mart in CORE_MARTS:
        cols = [r[0] for r in warehouse.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = ?", [mart]).fetchall()]
        assert cols, mart
        text_cols = [c for c in cols if c.endswith("_id")]
        for c in text_cols:
            hits = warehouse.execute(
                f"select count(*) from marts.{mart} where cast({c} as varchar) like 'P000%'").fetchone()
            assert hits == (0,), (mart, c)
