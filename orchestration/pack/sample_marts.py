"""A small, hand-made `marts` schema with the OUTPUTS.md column names, for the pack's tests and for
previewing the pack without running the whole pipeline:

    python -m orchestration.pack.sample_marts /tmp/sample.duckdb /tmp/exports 2025-03

The numbers are invented and chosen to exercise suppression (counts of 1-4 people, a value that a
total would reveal by subtraction, a KPI numerator 1-4 short of its denominator)."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import duckdb

MONTHS = (dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1))
COUNCIL, REGION, ENGLAND = "E06000023", "E12000009", "E92000001"

# rung -> (tier, 18-64 service users, 65+ service users, weekly cost per person)
LADDER = {
    "Nursing": (3, 40, 310, 1150.0),
    "Residential": (3, 120, 420, 980.0),
    "Supported Accommodation": (3, 260, 30, 1400.0),
    "Extra Care Housing": (3, 1, 20, 310.0),  # 1-3 people: suppressed; 65+ would give it away via the All row
    "Supported Living": (3, 300, 45, 1250.0),
    "Home Care": (3, 380, 900, 290.0),
    "Day Care": (3, 90, 60, 180.0),
    "Adult Placement": (3, 18, 6, 520.0),
    "Direct Payments": (3, 450, 260, 360.0),
    "Reablement": (2, 30, 140, 210.0),
    "Short Term Care": (2, 10, 55, 900.0),
    "Information & Advice": (1, 150, 210, 0.0),
}


def _care_ladder(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""create table marts.care_ladder_monthly (month date, care_ladder_rung varchar, tier integer,
        age_band varchar, service_users bigint, active_lines bigint, weekly_cost decimal(18,2), spend decimal(18,2),
        pct_spend double, pct_activity double, weekly_hours double)""")
    for k, month in enumerate(MONTHS):
        rows = []
        for rung, (tier, su1864, su65, unit) in LADDER.items():
            lines = {"18-64": su1864 + k + (su1864 + k) // 10, "65+": su65 + 2 * k + (su65 + 2 * k) // 10}
            lines["All"] = lines["18-64"] + lines["65+"]  # everyone is 18-64 or 65+ here: All adds up
            for band, su in (("18-64", su1864 + k), ("65+", su65 + 2 * k), ("All", su1864 + su65 + 3 * k)):
                weekly = round(su * unit, 2)
                hours = float(su * 9) if rung == "Home Care" else None
                rows.append([month, rung, tier, band, su, lines[band], weekly, round(weekly * 31 / 7, 2), hours])
        for band in ("18-64", "65+", "All"):
            t3 = [r for r in rows if r[2] == 3 and r[3] == band]
            spend, users = sum(r[7] for r in t3), sum(r[4] for r in t3)
            for r in rows:
                if r[3] == band:
                    r.insert(8, r[7] / spend * 100 if r[2] == 3 else None)
                    r.insert(9, r[4] / users * 100 if r[2] == 3 else None)
        con.executemany("insert into marts.care_ladder_monthly values (?,?,?,?,?,?,?,?,?,?,?)", rows)


def _provider_concentration(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""create table marts.provider_concentration_monthly (month date, care_ladder_rung varchar,
        providers bigint, providers_in_area bigint, spend decimal(18,2), top5_share_pct double, hhi double,
        largest_supplier_share_pct double, largest_supplier_id varchar, single_supplier_dependency boolean,
        out_of_area_placements bigint)""")
    shares = {"Nursing": (26, 44.0, 980), "Residential": (53, 32.0, 610), "Supported Accommodation": (46, 42.0, 720),
              "Extra Care Housing": (6, 95.0, 4100), "Supported Living": (64, 55.0, 1300), "Home Care": (47, 41.0, 700),
              "Day Care": (24, 56.0, 1150), "Adult Placement": (3, 100.0, 5200), "Direct Payments": (1, 100.0, 10000)}
    for k, month in enumerate(MONTHS):
        for rung, (providers, top5, hhi) in shares.items():
            largest = min(100.0, top5 / 2.2 + k)
            con.execute("insert into marts.provider_concentration_monthly values (?,?,?,?,?,?,?,?,?,?,?)",
                        [month, rung, providers, providers // 2, 100000 * providers + 1234.56, top5, min(hhi + 10 * k, 10000),
                         largest, f"SUP{providers:04d}", largest >= 33.3,
                         {"Residential": 37, "Supported Accommodation": 2, "Nursing": 0}.get(rung, 0)])
        # Tier 2 markets: shares are null by convention; Reablement has one provider (HHI 10,000).
        con.executemany("insert into marts.provider_concentration_monthly values (?,?,?,?,?,?,?,?,?,?,?)", [
            [month, "Reablement", 1, 1, 81234.50, None, 10000.0, None, "SUP0001", None, 0],
            [month, "Short Term Care", 7, 4, 45678.90, None, 2300.0 + 10 * k, None, "SUP0007", None, 1]])


def _kpis(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""create table marts.kpi_monthly (month date, kpi_code varchar, age_band varchar, value double,
        target double, rag varchar, numerator double, denominator double)""")
    for k, month in enumerate(MONTHS):
        rows = [
            ("LTC_USERS", "18-64", 2600 + k, 2550, "Amber", 2600 + k, None),
            ("LTC_USERS", "65+", 2700 - 5 * k, 2580, "Amber", 2700 - 5 * k, None),
            ("LTC_AT_HOME", "18-64", None, 84, None, 97.0, 100.0),  # 3 people not at home: suppressed
            ("LTC_AT_HOME", "65+", None, 61, None, 1650.0 + 10 * k, 2700.0 - 5 * k),
            ("AVG_WEEKLY_COST", "18-64", None, 780, None, 2_000_000.0 + 1000 * k, 2600.0 + k),
            ("AVG_WEEKLY_COST", "65+", None, 575, None, 1_600_000.0, 2700.0 - 5 * k),
            ("CONTACT_TO_TIER3", "18-64", None, 3, None, 40.0 + k, 1500.0),
            ("CONTACT_TO_TIER3", "65+", None, 7.5, None, 3.0 if k == 2 else 150.0, 2000.0),  # 3 people: suppressed
            ("FEEL_SAFE", "18-64", None, 90, None, 180.0, 210.0),
            ("FEEL_SAFE", "65+", None, 90, None, 300.0, 330.0),
            ("CONTROL_DAILY_LIFE", "18-64", None, 80, None, 160.0, 210.0),
            ("CONTROL_DAILY_LIFE", "65+", None, 80, None, 250.0, 330.0),
            ("CQC_GOOD_OR_BETTER", "18-64", None, 90, None, 3.0, 4.0),  # locations: never suppressed
            ("CQC_GOOD_OR_BETTER", "65+", None, 90, None, 180.0, 200.0),
        ]
        for code, band, value, target, rag, num, den in rows:
            if value is None:
                value = num / den if code == "AVG_WEEKLY_COST" else num / den * 100
            lower = code in ("LTC_USERS", "AVG_WEEKLY_COST", "CONTACT_TO_TIER3")
            gap = (value - target) if lower else (target - value)
            rag = "Green" if gap <= 0 else ("Amber" if gap <= 0.1 * target else "Red")
            con.execute("insert into marts.kpi_monthly values (?,?,?,?,?,?,?,?)",
                        [month, code, band, value, target, rag, num, den])


def _annual(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""create table marts.client_base_annual (financial_year varchar, client_category varchar,
        people bigint, package_cost decimal(18,2), average_cost decimal(18,2), months_loaded integer)""")
    con.execute("""create table marts.older_people_service_type_annual (financial_year varchar,
        service_type varchar, people bigint, package_cost decimal(18,2), average_cost decimal(18,2))""")
    base = {"2022/23": (549, 1159, 541, 327), "2023/24": (546, 1122, 585, 359), "2024/25": (560, 1100, 590, 2)}
    for fy, people in base.items():
        cats = dict(zip(("Mental Health", "Older People", "Learning Disability",
                         "Physical Disability, Hearing & Vision"), people))
        costs = {c: round(p * (19971 + 37 * i), 2) for i, (c, p) in enumerate(cats.items())}
        cats["Total"], costs["Total"] = sum(people), sum(costs.values())
        for c, p in cats.items():
            con.execute("insert into marts.client_base_annual values (?,?,?,?,?,?)",
                        [fy, c, p, costs[c], round(costs[c] / p, 2), 9 if fy == "2022/23" else 12])
        op = {"Direct Payments": 227, "Home Care": 482, "Nursing": 347, "Residential": 208, "Other": 4}
        op["Total"] = sum(op.values())
        for s, p in op.items():
            con.execute("insert into marts.older_people_service_type_annual values (?,?,?,?,?)",
                        [fy, s, p, p * 15000.5, 15000.5])
    con.execute("""create table marts.care_home_admissions_annual (financial_year varchar, age_band varchar,
        admissions bigint, population bigint, per_100k double, months_loaded integer)""")
    for fy, a1864, a65 in (("2022/23", 12, 540), ("2023/24", 4, 560), ("2024/25", 9, 575)):
        for band, adm, pop in (("18-64", a1864, 290000), ("65+", a65, 62000)):
            con.execute("insert into marts.care_home_admissions_annual values (?,?,?,?,?,?)",
                        [fy, band, adm, pop, adm / pop * 100000, 9 if fy == "2022/23" else 12])


def _cqc(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""create table marts.cqc_market_monthly (month date, service_type varchar, area_code varchar,
        locations bigint, beds bigint, rated_locations bigint, outstanding bigint, good bigint,
        requires_improvement bigint, inadequate bigint, pct_outstanding double, pct_good double,
        pct_requires_improvement double, pct_inadequate double, pct_good_or_better double)""")
    mix = {COUNCIL: (4, 60, 18, 3), REGION: (70, 900, 160, 20), ENGLAND: (600, 9000, 2100, 300)}
    services = {"Care home service with nursing": 1.0, "Care home service without nursing": 1.6,
                "Domiciliary care service": 2.1, "Supported living service": 0.7}
    for month in MONTHS:
        for area, (o, g, r, i) in mix.items():
            for s, f in services.items():
                counts = [round(o * f), round(g * f), round(r * f * (1.3 if "nursing" in s else 1)), round(i * f)]
                rated = sum(counts)
                beds = rated * 30 if s.startswith("Care home") else 0
                con.execute("insert into marts.cqc_market_monthly values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                            [month, s, area, rated + 2, beds, rated, *counts,
                             *[c / rated * 100 for c in counts], (counts[0] + counts[1]) / rated * 100])
    con.execute("""create table marts.cqc_market_changes_monthly (month date, location_id varchar,
        location_name varchar, change varchar, service_type varchar, beds bigint)""")
    con.executemany("insert into marts.cqc_market_changes_monthly values (?,?,?,?,?,?)", [
        [MONTHS[2], "1-1000000001", "Harbourside Nursing Home", "opened", "Care home service with nursing", 48],
        [MONTHS[2], "1-1000000002", "Kingsweston Care", "closed", "Domiciliary care service", 0],
        [MONTHS[2], "1-1000000003", "Redland House", "closed", "Care home service without nursing", 3],
        [MONTHS[1], "1-1000000004", "Filton Lodge", "opened", "Care home service without nursing", 20],
    ])


def _population(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""create table marts.demography (area_code varchar, population_2021 bigint,
        disabled_pct_2021 double, growth_2011_2021_pct double)""")
    con.executemany("insert into marts.demography values (?,?,?,?)", [
        [COUNCIL, 472500, 19.4, 10.3], [REGION, 5701200, 18.6, 7.9], [ENGLAND, 56490000, 17.7, 6.6]])
    con.execute("""create table marts.population_projections (area_code varchar, year integer,
        pop_65_plus double, pop_75_plus double, pop_85_plus double)""")
    for area, base in ((COUNCIL, 62000), (REGION, 1270000), (ENGLAND, 10400000)):
        for y in range(2022, 2044):
            t = y - 2022
            con.execute("insert into marts.population_projections values (?,?,?,?,?)",
                        [area, y, base * (1 + 0.017 * t), base * 0.46 * (1 + 0.024 * t), base * 0.13 * (1 + 0.03 * t)])


def _dps_and_internal(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""create table marts.dps_lot_demand_monthly (month date, lot integer, service varchar,
        client_group varchar, age_band varchar, packages bigint)""")
    lots = [(1, "Day Services", "Mental Health", "18-64", 4), (2, "Day Services", "Mental Health", "65+", 12),
            (17, "Supported Living", "Mental Health", "18-64", 54), (29, "Supported Living", "LD/Autistic", "18-64", 48),
            (45, "Support to Access the Community", "LD/Autistic", "18-64", 22),
            (46, "Support to Access the Community", "LD/Autistic", "65+", 0)]
    for month in MONTHS:
        con.executemany("insert into marts.dps_lot_demand_monthly values (?,?,?,?,?,?)",
                        [[month, *lot] for lot in lots])
    con.execute("""create table marts.review_outcomes_monthly (month date, age_band varchar, reviews bigint,
        outcomes_achieved bigint)""")
    con.execute("insert into marts.review_outcomes_monthly values (?, '65+', 120, 90)", [MONTHS[2]])
    con.execute("""create table marts.high_cost_placements (month date, person_id varchar, postcode varchar,
        weekly_cost decimal(18,2))""")
    con.execute("insert into marts.high_cost_placements values (?, 'a9f3c2e1d4b5', 'BS5', 987654.32)", [MONTHS[2]])


def build_sample_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Create and fill schema `marts` (drops nothing: use a fresh database)."""
    con.execute("create schema if not exists marts")
    _care_ladder(con)
    _provider_concentration(con)
    _kpis(con)
    _annual(con)
    _cqc(con)
    _population(con)
    _dps_and_internal(con)


def main(argv: list[str]) -> int:
    from orchestration.pack import publish_month

    db, exports, month = Path(argv[0]), Path(argv[1]), argv[2] if len(argv) > 2 else "2025-03"
    with duckdb.connect(str(db)) as con:
        if not con.execute("select 1 from information_schema.schemata where schema_name = 'marts'").fetchall():
            build_sample_marts(con)
    with duckdb.connect(str(db), read_only=True) as con:
        print(publish_month(con, month, exports, council=COUNCIL, manifest_extra={"source_files": [], "checks": []}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
