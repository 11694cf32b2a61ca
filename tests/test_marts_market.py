"""The CQC / ONS / annual marts against figures worked out by hand.

A tiny raw warehouse is written with ``sources.contracts.raw_ddl`` and hand-written INSERTs
(CQC HSCA Feb + Mar 2025, latest ratings Mar 2025, ONS reference rows, CLD + ContrOCC Mar 2025),
dbt builds the market marts (and their parents) into it, and every expected value below is
derived in the comments from the rows inserted, never read back from the warehouse.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sources import contracts as c

ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT = ROOT / "dbt_project"
COUNCIL = "E06000023"  # Bristol
REGION = "E12000009"  # South West
ENGLAND = "E92000001"

MY_MARTS = (
    "cqc_market_monthly",
    "cqc_market_changes_monthly",
    "demography",
    "population_projections",
    "care_home_admissions_annual",
    "client_base_annual",
    "older_people_service_type_annual",
)
MY_MODELS = (
    *MY_MARTS,
    "stg_cqc__hsca_active_locations",
    "stg_cqc__hsca_location_service_types",
    "stg_cqc__latest_ratings",
    "stg_ons__census_ts007a",
    "stg_ons__census_ts038",
    "stg_ons__mye_population",
    "stg_ons__snpp_population",
    "int_la_lookup",
    "int_cqc_locations_monthly",
    "int_cqc_location_ratings_monthly",
    "int_financial_years",
    "int_service_line_years",
)

FEB = date(2025, 2, 1)
MAR = date(2025, 3, 1)


# --------------------------------------------------------------------------------------------
# Raw rows
# --------------------------------------------------------------------------------------------
def insert(con: duckdb.DuckDBPyConnection, ft: c.FileType, rows: list[dict[str, Any]]) -> None:
    """Insert rows (published column names; lineage filled in) into the file type's raw table."""
    names = [n for n, _ in c.raw_columns(ft)]
    for line, row in enumerate(rows, start=2):
        row = {"_council": COUNCIL, "_line": line, "_load_id": "test", "_file": ft.file_pattern, **row}
        if isinstance(row.get("_extra"), dict):
            row["_extra"] = json.dumps(row["_extra"])
        unknown = set(row) - set(names)
        assert not unknown, f"{ft.key}: unknown columns {unknown}"
        cols = list(row)
        sql = (
            f'INSERT INTO raw."{ft.raw_table}" ({", ".join(chr(34) + n + chr(34) for n in cols)}) '
            f'VALUES ({", ".join("?" for _ in cols)})'
        )
        con.execute(sql, [row[n] for n in cols])


def hsca(month: date, location_id: str, la: str, region: str, *, beds: int | None = None,
         rating: str | None = None, dormant: str | None = None,
         types: tuple[str, ...] = (), extra_types: tuple[str, ...] = ()) -> dict[str, Any]:
    row: dict[str, Any] = {
        "_month": month,
        "Location ID": location_id,
        "Location Name": f"Location {location_id}",
        "Dormant (Y/N)": dormant,
        "Care home?": "Y" if beds else "N",
        "Care homes beds": beds,
        "Location Latest Overall Rating": rating,
        "Location Region": region,
        "Location Local Authority": la,
        "Provider ID": f"P-{location_id}",
    }
    for t in types:
        row[f"Service type - {t}"] = "Y"
    extra = {f"Service type - {t}": "Y" for t in extra_types}
    extra["Service type - Acute services with overnight beds"] = ""  # blank flag: not a type
    row["_extra"] = extra
    return row


WITH_NURSING = "Care home service with nursing"
WITHOUT_NURSING = "Care home service without nursing"
DOMICILIARY = "Domiciliary care service"
HOSPICE = "Hospice services"  # a service type that is only in `_extra`


def hsca_rows() -> list[dict[str, Any]]:
    rows = []
    for month in (FEB, MAR):
        rows += [
            hsca(month, "A1", "Bristol", "South West", beds=50, rating="Good",
                 types=(WITH_NURSING, WITHOUT_NURSING)),
            hsca(month, "A3", "Bath and North East Somerset", "South West", beds=30,
                 rating="Outstanding", types=(WITHOUT_NURSING,)),
            hsca(month, "A4", "Bristol", "South West", rating="Inadequate", dormant="Y",
                 types=(DOMICILIARY,)),
            hsca(month, "A5", "Leeds", "Yorkshire and The Humber", types=(DOMICILIARY,)),
            hsca(month, "A6", "Bristol", "South West", beds=0, rating="Good",
                 extra_types=(HOSPICE,)),
        ]
    # A2 is in February only (closes in March); A7 is in March only (opens in March).
    rows.append(hsca(FEB, "A2", "Bristol", "South West", rating="Requires Improvement",
                     types=(DOMICILIARY,)))
    rows.append(hsca(MAR, "A7", "Bristol", "South West", beds=20, rating="Inadequate",
                     types=(WITH_NURSING,)))
    return rows


def rating(location_id: str, group: str, domain: str, value: str) -> dict[str, Any]:
    return {"_month": MAR, "Location ID": location_id, "Service / Population Group": group,
            "Domain": domain, "Latest Rating": value, "Location Local Authority": "Bristol",
            "Location Region": "South West", "Publication Date": date(2025, 1, 15)}


def census_ts007a(code: str, name: str, total: int, over_65: tuple[int, ...]) -> dict[str, Any]:
    bands = list(c.CENSUS_AGE_BANDS)
    row: dict[str, Any] = {"date": 2021, "geography": name, "geography code": code,
                           "Age: Total": total}
    young = bands[1:14]  # 0-4 ... 60-64: not used by the marts, any value
    for band in young:
        row[band] = 1000
    for band, value in zip(bands[14:], over_65, strict=True):  # 65-69 ... 85+
        row[band] = value
    return row


def mye(code: str, name: str, year: int, age: str, value: int, sex: str = "Total") -> dict[str, Any]:
    return {"GEOGRAPHY_NAME": name, "GEOGRAPHY_CODE": code, "DATE_NAME": year,
            "GENDER_NAME": sex, "C_AGE_NAME": age, "OBS_VALUE": value}


def snpp(age: str, year: int, value: float) -> dict[str, Any]:
    return {"AREA_CODE": COUNCIL, "AREA_NAME": "Bristol, City of", "COMPONENT": "Population",
            "SEX": "persons", "AGE_GROUP": age, "year": year, "population": value}


PEOPLE = {  # person -> (date of birth, Primary Support Reason)
    "H1": (date(1940, 5, 10), "Physical Support: Personal care support"),
    "H2": (date(1990, 1, 1), "Learning Disability Support"),
    "H3": (date(1950, 1, 1), "Mental Health Support"),
    "H4": (date(1960, 6, 1), "Physical Support: Access & mobility only"),
    "H5": (date(1945, 3, 31), "Support with Memory & Cognition"),
}


def cld(ref: str, person: str, event_type: str, start: date, end: date | None = None,
        service_type: str | None = None) -> dict[str, Any]:
    dob, psr = PEOPLE[person]
    return {"_month": MAR, "LA Code": COUNCIL,
            "Reporting Period Start Date": date(2024, 4, 1),
            "Reporting Period End Date": date(2025, 3, 31),
            "LA Person Unique Identifier": person, "Date of Birth": dob,
            "Primary Support Reason": psr, "Event Type": event_type, "Event Reference": ref,
            "Event Start Date": start, "Event End Date": end, "Service Type": service_type}


def line(agreement: str, no: int, person: str, element: str, start: date, end: date | None,
         rate: str, units: float = 1.0) -> dict[str, Any]:
    from decimal import Decimal

    weekly = (Decimal(rate) * Decimal(str(units))).quantize(Decimal("0.01"))
    return {"_month": MAR, "Service Agreement ID": agreement, "Line No": no,
            "LA Person Unique Identifier": person, "Element Code": element,
            "Supplier ID": "S1", "Supplier Local Authority": COUNCIL,
            "Placement Local Authority": COUNCIL, "Start Date": start, "End Date": end,
            "Unit Rate": Decimal(rate), "Rate Unit": "Hour" if element == "HC" else "Week",
            "Planned Units per Week": units, "Weekly Cost": weekly, "Funding Source": "LA"}


RES, NUR = "Long Term Support: Residential Care", "Long Term Support: Nursing Care"


def write_raw(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {c.RAW_SCHEMA}")
    for ft in c.FILE_TYPES.values():
        con.execute(c.raw_ddl(ft))
    con.execute(c.LOAD_LOG_DDL)
    con.execute(c.REJECTS_DDL)

    insert(con, c.CQC_HSCA_ACTIVE_LOCATIONS, hsca_rows())
    insert(con, c.CQC_LATEST_RATINGS, [
        rating("A1", "Overall", "Overall", "Requires Improvement"),
        rating("A1", "Overall", "Safe", "Good"),
        rating("A7", "Care Homes", "Overall", "Good"),
    ])
    insert(con, c.CENSUS_TS007A, [
        census_ts007a(COUNCIL, "Bristol, City of", 472400, (15000, 13000, 9000, 6000, 7000)),
        census_ts007a("E06000022", "Bath and North East Somerset", 193400, (10000, 9000, 7000, 5000, 5000)),
        census_ts007a(ENGLAND, "England", 56000000, (3000000, 2700000, 2200000, 1500000, 1400000)),
    ])
    ts038 = "Disability: Total: All usual residents", "Disability: Disabled under the Equality Act"
    insert(con, c.CENSUS_TS038, [
        {"date": 2021, "geography": "Bristol, City of", "geography code": COUNCIL, ts038[0]: 472400, ts038[1]: 80308},
        {"date": 2021, "geography": "Bath and North East Somerset", "geography code": "E06000022", ts038[0]: 193400, ts038[1]: 34812},
        {"date": 2021, "geography": "England", "geography code": ENGLAND, ts038[0]: 56000000, ts038[1]: 9800000},
    ])
    insert(con, c.MYE_POPULATION, [
        mye(COUNCIL, "Bristol, City of", 2011, "All Ages", 428100),
        mye(COUNCIL, "Bristol, City of", 2021, "All Ages", 472500),
        mye("E06000022", "Bath and North East Somerset", 2011, "All Ages", 176000),
        mye("E06000022", "Bath and North East Somerset", 2021, "All Ages", 193400),
        mye("K04000001", "England and Wales", 2011, "All Ages", 56100000),
        mye("K04000001", "England and Wales", 2021, "All Ages", 59600000),
        # mid-2024, single years (FY 2024/25 denominators)
        mye(COUNCIL, "Bristol, City of", 2024, "All Ages", 480000),
        mye(COUNCIL, "Bristol, City of", 2024, "Age 17", 5500),
        mye(COUNCIL, "Bristol, City of", 2024, "Age 18", 6000),
        mye(COUNCIL, "Bristol, City of", 2024, "Age 64", 4000),
        mye(COUNCIL, "Bristol, City of", 2024, "Age 65", 3000),
        mye(COUNCIL, "Bristol, City of", 2024, "Aged 90+", 2000),
        mye(COUNCIL, "Bristol, City of", 2024, "Age 65", 1500, sex="Male"),
        mye(COUNCIL, "Bristol, City of", 2023, "Age 65", 9999),
    ])
    insert(con, c.SNPP_POPULATION, [
        snpp("64", 2025, 5000), snpp("65", 2025, 4000), snpp("75", 2025, 3000),
        snpp("85", 2025, 2000), snpp("90 and over", 2025, 1000), snpp("All ages", 2025, 480000),
        snpp("65", 2026, 4100), snpp("90 and over", 2026, 1100), snpp("All ages", 2026, 481000),
    ])

    insert(con, c.LAS_CLD, [
        cld("E1", "H1", "Service", date(2024, 6, 1), None, "Long term support: Residential care"),
        cld("E3", "H2", "Service", date(2023, 1, 1), date(2023, 4, 1), RES),
        cld("E2", "H2", "Service", date(2024, 4, 1), None, NUR),
        cld("E4", "H3", "Service", date(2024, 5, 1), date(2024, 8, 31), RES),
        cld("E5", "H3", "Service", date(2025, 1, 1), None, NUR),
        cld("E6", "H4", "Service", date(2024, 1, 1), None, "Long Term Support: Community"),
        cld("E7", "H5", "Request", date(2024, 3, 1), date(2024, 3, 5)),
    ])
    insert(con, c.ELEMENT_RUNG_MAP, [
        {"Element Code": "RES", "Care Ladder Rung": "Residential"},
        {"Element Code": "NUR", "Care Ladder Rung": "Nursing"},
        {"Element Code": "HC", "Care Ladder Rung": "Home Care"},
        {"Element Code": "DP", "Care Ladder Rung": "Direct Payments"},
        {"Element Code": "REA", "Care Ladder Rung": "Reablement"},
    ])
    insert(con, c.CONTROCC_SERVICE_LINES, [
        line("SA1", 1, "H1", "RES", date(2024, 6, 1), None, "700.00"),
        line("SA1", 2, "H1", "HC", date(2025, 3, 31), None, "7.00", 10),
        line("SA2", 1, "H2", "NUR", date(2024, 4, 1), None, "1050.00"),
        line("SA3", 1, "H3", "RES", date(2024, 5, 1), date(2024, 8, 31), "630.00"),
        line("SA3", 2, "H3", "NUR", date(2025, 1, 1), None, "840.00"),
        line("SA4", 1, "H4", "HC", date(2024, 1, 1), date(2025, 3, 31), "20.00", 10),
        line("SA5", 1, "H5", "DP", date(2024, 4, 1), date(2025, 3, 30), "140.00"),
        line("SA6", 1, "H6", "REA", date(2025, 3, 1), None, "35.07"),
    ])
    con.close()


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------
def run_dbt(args: list[str], tmp: Path) -> None:
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke([
        *args, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
        "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"), "--quiet",
    ])
    failed = [r.node.name for r in (result.result or []) if getattr(r, "status", None) in ("error", "fail")]
    assert result.success and not failed, f"dbt {args[0]} failed: {failed or result.exception}"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    tmp = tmp_path_factory.mktemp("market")
    path = tmp / "warehouse.duckdb"
    write_raw(path)
    saved = {k: os.environ.get(k) for k in ("ASCW_WAREHOUSE", "ASCW_REGION")}
    os.environ.update(ASCW_WAREHOUSE=str(path))
    os.environ.pop("ASCW_REGION", None)  # the council's region comes from the CQC directory
    try:
        run_dbt(["seed", "--select", "english_regions", "la_name_exceptions", "cld_code_map",
                 "care_ladder_rungs"], tmp)
        run_dbt(["run", "--select", *(f"+{m}" for m in MY_MARTS), "int_cqc_location_ratings_monthly"], tmp)
        run_dbt(["test", "--select", *MY_MODELS, "--exclude", "test_type:unit"], tmp)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    con = duckdb.connect(str(path))  # same configuration as dbt-duckdb's in-process connection
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in con.execute(sql).fetchall()]


def approx(value: float | None) -> Any:
    return None if value is None else pytest.approx(value, rel=1e-12)


# --------------------------------------------------------------------------------------------
# CQC
# --------------------------------------------------------------------------------------------
def test_la_lookup_codes_cqc_names(warehouse: duckdb.DuckDBPyConnection) -> None:
    # `Bristol` <-> `Bristol, City of` (suffix dropped); BaNES exact; Leeds is in no ONS file.
    assert rows(warehouse, "select cqc_la_name, la_code, region_code from intermediate.int_la_lookup order by 1") == [
        ("Bath and North East Somerset", "E06000022", REGION),
        ("Bristol", COUNCIL, REGION),
        ("Leeds", None, "E12000003"),
    ]


def test_service_types_come_from_columns_and_extra(warehouse: duckdb.DuckDBPyConnection) -> None:
    # A1: two contract flags; A6: only `_extra` (Hospice services); blank `_extra` flags ignored.
    got = rows(warehouse, f"""select location_id, service_type from staging.stg_cqc__hsca_location_service_types
                              where month = DATE '{MAR}' and location_id in ('A1', 'A6') order by 1, 2""")
    assert got == [("A1", WITH_NURSING), ("A1", WITHOUT_NURSING), ("A6", HOSPICE)]


def test_location_ratings_overall(warehouse: duckdb.DuckDBPyConnection) -> None:
    # A1: the Overall/Overall row, `Requires Improvement` normalised; A7: only a Care Homes row.
    assert rows(warehouse, "select location_id, overall_rating, is_location_level from intermediate.int_cqc_location_ratings_monthly order by 1") == [
        ("A1", "Requires improvement", True),
        ("A7", "Good", False),
    ]


MARKET_COLUMNS = ("locations, beds, rated_locations, outstanding, good, requires_improvement, inadequate, "
                  "pct_outstanding, pct_good, pct_requires_improvement, pct_inadequate, pct_good_or_better, dormant_locations")


def market(con: duckdb.DuckDBPyConnection, month: date, service_type: str, area: str) -> tuple[Any, ...]:
    got = rows(con, f"""select {MARKET_COLUMNS} from marts.cqc_market_monthly
                        where month = DATE '{month}' and service_type = '{service_type}' and area_code = '{area}'""")
    assert len(got) == 1, (month, service_type, area, got)
    return got[0]


def test_cqc_market_grid(warehouse: duckdb.DuckDBPyConnection) -> None:
    # Service types in each file: with nursing, without nursing, domiciliary, hospice = 4;
    # x 3 areas = 12 rows a month, 24 in all.
    assert rows(warehouse, "select month, count(*) from marts.cqc_market_monthly group by 1 order by 1") == [
        (FEB, 12), (MAR, 12),
    ]


def test_cqc_market_council_march(warehouse: duckdb.DuckDBPyConnection) -> None:
    # With nursing, Bristol, March: A1 (50 beds, Good) + A7 (20 beds, Inadequate):
    # 2 locations, 70 beds, 2 rated; Good 1/2 = 50 %, Inadequate 1/2 = 50 %, good or better 50 %.
    assert market(warehouse, MAR, WITH_NURSING, COUNCIL) == (
        2, 70, 2, 0, 1, 0, 1, 0.0, 50.0, 0.0, 50.0, 50.0, 0)
    # Domiciliary, Bristol, March: only A4, dormant -> excluded; nothing rated -> pct null.
    assert market(warehouse, MAR, DOMICILIARY, COUNCIL) == (
        0, 0, 0, 0, 0, 0, 0, None, None, None, None, None, 1)
    # Hospice (a flag only in `_extra`), Bristol: A6 Good, 0 beds -> 100 %.
    assert market(warehouse, MAR, HOSPICE, COUNCIL) == (
        1, 0, 1, 0, 1, 0, 0, 0.0, 100.0, 0.0, 0.0, 100.0, 0)


def test_cqc_market_region_and_england(warehouse: duckdb.DuckDBPyConnection) -> None:
    # The region is the council's own (from the CQC directory: Bristol is in the South West),
    # with no ASCW_REGION set; one region only.
    assert rows(warehouse, "select distinct area_code from marts.cqc_market_monthly where area_type = 'region'") == [
        (REGION,)]
    # Without nursing, South West, March: A1 (50, Good) + A3 (BaNES, 30, Outstanding):
    # 2 locations, 80 beds; 1/2 Outstanding = 50 %, 1/2 Good = 50 %, good or better 2/2 = 100 %.
    assert market(warehouse, MAR, WITHOUT_NURSING, REGION) == (
        2, 80, 2, 1, 1, 0, 0, 50.0, 50.0, 0.0, 0.0, 100.0, 0)
    # Domiciliary, England, March: A5 (Leeds, unrated) counts, A4 dormant does not:
    # 1 location, none rated -> pct null, 1 dormant.
    assert market(warehouse, MAR, DOMICILIARY, ENGLAND) == (
        1, 0, 0, 0, 0, 0, 0, None, None, None, None, None, 1)
    # Domiciliary, Bristol, February: A2 (`Requires Improvement`) + A4 dormant:
    # 1 location, 1 rated, RI 100 %, good or better 0 %.
    assert market(warehouse, FEB, DOMICILIARY, COUNCIL) == (
        1, 0, 1, 0, 0, 1, 0, 0.0, 0.0, 100.0, 0.0, 0.0, 1)


def test_cqc_market_changes(warehouse: duckdb.DuckDBPyConnection) -> None:
    # February is the first HSCA month: nothing. March vs February in Bristol:
    # A2 (domiciliary, no beds) gone -> closed; A7 (with nursing, 20 beds) new -> opened.
    assert rows(warehouse, "select month, location_id, change, service_type, beds from marts.cqc_market_changes_monthly order by 2") == [
        (MAR, "A2", "closed", DOMICILIARY, 0),
        (MAR, "A7", "opened", WITH_NURSING, 20),
    ]


# --------------------------------------------------------------------------------------------
# ONS
# --------------------------------------------------------------------------------------------
def test_demography(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(warehouse, """select area_code, area_type, population_2021, population_65_plus_2021,
                                    disabled_pct_2021, growth_2011_2021_pct
                             from marts.demography order by area_code""")
    assert got == [
        # BaNES: 34812 / 193400 = 18 %; 65+ = 10000+9000+7000+5000+5000 = 36000;
        # growth (193400 - 176000) / 176000 = 17400 / 176000.
        ("E06000022", "local_authority", 193400, 36000, approx(18.0), approx(100 * 17400 / 176000)),
        # Bristol: 80308 / 472400 = 17 %; 65+ = 15000+13000+9000+6000+7000 = 50000;
        # growth (472500 - 428100) / 428100 = 44400 / 428100.
        (COUNCIL, "council", 472400, 50000, approx(17.0), approx(100 * 44400 / 428100)),
        # England: 9.8m / 56m = 17.5 %; no MYE rows -> growth null.
        (ENGLAND, "country", 56000000, 10800000, approx(17.5), None),
        # England and Wales: only in the MYE: (59.6m - 56.1m) / 56.1m.
        ("K04000001", "country", None, None, None, approx(100 * 3500000 / 56100000)),
    ]


def test_population_projections(warehouse: duckdb.DuckDBPyConnection) -> None:
    # 2025: 65+ = 4000 + 3000 + 2000 + 1000 = 10000; 75+ = 3000 + 2000 + 1000 = 6000;
    # 85+ = 2000 + 1000 = 3000 (age 64 left out). 2026: 65+ = 4100 + 1100; 75+ = 85+ = 1100.
    assert rows(warehouse, "select area_code, year, pop_65_plus, pop_75_plus, pop_85_plus, pop_all_ages from marts.population_projections order by year") == [
        (COUNCIL, 2025, 10000.0, 6000.0, 3000.0, 480000.0),
        (COUNCIL, 2026, 5200.0, 1100.0, 1100.0, 481000.0),
    ]


# --------------------------------------------------------------------------------------------
# Annual (FY 2024/25: March 2025 is the only loaded CLD/ContrOCC month)
# --------------------------------------------------------------------------------------------
def test_care_home_admissions(warehouse: duckdb.DuckDBPyConnection) -> None:
    # H1: residential from 2024-06-01 (Release 2 spelling), age 84 -> 65+.
    # H2: nursing from 2024-04-01; earlier residential ended 2023-04-01, 366 days before
    #     (Feb 2024 has 29 days) -> new; age 34 -> 18-64.
    # H3: residential 2024-05-01 (age 74, new); nursing 2025-01-01 follows one that ended
    #     2024-08-31 (< 365 days) -> not new; counted once.
    # H4 (Community) and H5 (Request) are not care-home services.
    # Population mid-2024: 18-64 = 6000 + 4000 = 10000 (age 17 and All Ages ignored);
    # 65+ = 3000 + 2000 (90+) = 5000 (the Male row and 2023 ignored).
    # per 100k: 1 / 10000 x 100000 = 10; 2 / 5000 x 100000 = 40.
    assert rows(warehouse, "select financial_year, age_band, admissions, population, per_100k, population_year from marts.care_home_admissions_annual order by 2") == [
        ("2024/25", "18-64", 1, 10000, approx(10.0), 2024),
        ("2024/25", "65+", 2, 5000, approx(40.0), 2024),
    ]


def test_client_base(warehouse: duckdb.DuckDBPyConnection) -> None:
    from decimal import Decimal as D

    # Committed cost in FY 2024/25 (1 Apr 2024 - 31 Mar 2025, 365 days), weekly x days / 7:
    #   SA1/1 H1 RES 700 from 2024-06-01: 304 days -> 30400.00 (active 31 Mar)
    #   SA1/2 H1 HC 7 x 10 = 70 from 2025-03-31: 1 day -> 10.00 (active)
    #   SA2/1 H2 NUR 1050 from 2024-04-01: 365 days -> 54750.00 (active)
    #   SA3/1 H3 RES 630, 2024-05-01..2024-08-31: 123 days -> 11070.00
    #   SA3/2 H3 NUR 840 from 2025-01-01: 90 days -> 10800.00 (active)
    #   SA4/1 H4 HC 20 x 10 = 200 to 2025-03-31: 365 days -> 10428.5714... (active on 31 Mar)
    #   SA5/1 H5 DP 140 to 2025-03-30: 364 days -> 7280.00 (not active on 31 Mar)
    #   SA6/1 H6 REA 35.07 from 2025-03-01: 31 days -> 155.31 (active; H6 not in CLD)
    # Categories at 31 Mar 2025: H1 84 Older People; H2 LD; H3 MH; H4 age 64 -> PD;
    # H5 turns 80 that day -> Older People; H6 unknown age -> PD.
    assert rows(warehouse, "select client_category, people, package_cost, average_cost, months_loaded from marts.client_base_annual where financial_year = '2024/25' order by 1") == [
        ("Learning Disability", 1, D("54750.00"), D("54750.00"), 1),
        # 11070 + 10800 = 21870
        ("Mental Health", 1, D("21870.00"), D("21870.00"), 1),
        # H1 (active) + H5 (not): 30400 + 10 + 7280 = 37690 over 1 person
        ("Older People", 1, D("37690.00"), D("37690.00"), 1),
        # 10428.5714 + 155.31 = 10583.88 over 2 people = 5291.94
        ("Physical Disability, Hearing & Vision", 2, D("10583.88"), D("5291.94"), 1),
        # 124893.8814 -> 124893.88 over H1, H2, H3, H4, H6 = 5 -> 24978.776 -> 24978.78
        ("Total", 5, D("124893.88"), D("24978.78"), 1),
    ]


def test_older_people_service_type(warehouse: duckdb.DuckDBPyConnection) -> None:
    from decimal import Decimal as D

    # 65+ at 31 Mar 2025: H1 (84), H3 (75), H5 (80). Groups by rung:
    #   Direct Payments: H5 7280.00, not active -> 0 people, average null
    #   Home Care: H1 10.00, active -> 1
    #   Nursing: H3 10800.00, active -> 1
    #   Residential: H1 30400 (active) + H3 11070 (ended) = 41470.00, 1 person
    #   Total: 7280 + 10 + 10800 + 41470 = 59560.00; H1 and H3 active -> 2 -> 29780.00
    assert rows(warehouse, "select service_type, people, package_cost, average_cost from marts.older_people_service_type_annual order by 1") == [
        ("Direct Payments", 0, D("7280.00"), None),
        ("Home Care", 1, D("10.00"), D("10.00")),
        ("Nursing", 1, D("10800.00"), D("10800.00")),
        ("Other", 0, D("0.00"), None),
        ("Residential", 1, D("41470.00"), D("41470.00")),
        ("Total", 2, D("59560.00"), D("29780.00")),
    ]


# --------------------------------------------------------------------------------------------
# The real CQC Latest ratings sample (Lincolnshire, May 2026) through the loader and staging
# --------------------------------------------------------------------------------------------
REAL_RATINGS = ROOT / "tests" / "fixtures" / "real_samples" / "cqc_latest_ratings_lincolnshire_2026-05.csv"
RATING_SPELLING = {"requires improvement": "Requires improvement", "not rated": "Not Rated"}


def expected_overall_ratings(path: Path) -> dict[str, str]:
    """Location -> rating of its `Overall` group / `Overall` domain row, read with the csv module."""
    import csv

    with path.open(encoding="utf-8-sig", newline="") as f:
        return {
            r["Location ID"]: RATING_SPELLING.get(r["Latest Rating"].lower(), r["Latest Rating"])
            for r in csv.DictReader(f)
            if r["Service / Population Group"] == "Overall" and r["Domain"] == "Overall"
        }


@pytest.mark.skipif(not REAL_RATINGS.exists(), reason="real CQC sample not present")
def test_real_latest_ratings_overall(tmp_path: Path) -> None:
    from sources import loader

    path = tmp_path / "real.duckdb"
    con = duckdb.connect(str(path))
    loader.ensure_raw_schema(con)
    for ft in c.FILE_TYPES.values():
        con.execute(c.raw_ddl(ft))
    result = loader.load_file(con, c.CQC_LATEST_RATINGS, REAL_RATINGS, month="2026-05", council="E06000023")
    assert result.status == "loaded", result.message
    con.close()
    saved = os.environ.get("ASCW_WAREHOUSE")
    os.environ["ASCW_WAREHOUSE"] = str(path)
    try:
        run_dbt(["run", "--select", "stg_cqc__latest_ratings", "int_cqc_location_ratings_monthly"], tmp_path)
    finally:
        if saved is None:
            os.environ.pop("ASCW_WAREHOUSE", None)
        else:
            os.environ["ASCW_WAREHOUSE"] = saved
    con = duckdb.connect(str(path))
    got = dict(rows(con, "select location_id, overall_rating from intermediate.int_cqc_location_ratings_monthly"))
    spellings = {r[0] for r in rows(con, "select distinct rating from staging.stg_cqc__latest_ratings")}
    con.close()
    # Every location in the file has a location-level Overall row: one rating each, as published
    # (case normalised), although most locations also have group-level Overall rows.
    assert got == expected_overall_ratings(REAL_RATINGS)
    assert spellings <= {"Outstanding", "Good", "Requires improvement", "Inadequate", "Not Rated",
                         "Insufficient evidence to rate", "Regulations met", "Not applicable"}
