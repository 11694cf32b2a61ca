"""A small, clean two-month warehouse (2024-02 and 2024-03) for the gate tests, built in an
in-memory DuckDB from ``contracts.raw_ddl`` + INSERTs.  Each test breaks one thing."""
from __future__ import annotations

import dataclasses
import hashlib

from datetime import date, datetime
from typing import Any

import duckdb

from orchestration.months import add_months, month_end, month_label, parse_month
from orchestration.partitions_key import Part
from sources.contracts import (
    CONTROCC_PAYMENTS,
    CONTROCC_SERVICE_LINES,
    CQC_HSCA_ACTIVE_LOCATIONS,
    CQC_LATEST_RATINGS,
    ELEMENT_RUNG_MAP,
    FILE_TYPES,
    KPI_TARGETS,
    LAS_CLD,
    LOAD_LOG_DDL,
    MONTHLY_FILE_TYPES,
    REJECTS_DDL,
    FileType,
    raw_ddl,
)

COUNCIL = "E06000023"
MONTH = "2024-03"
PREV = "2024-02"


def person(n: int) -> str:
    """A keyed-hash-looking pseudonymised person id."""
    return f"{n:064x}"


def insert(con: duckdb.DuckDBPyConnection, ft: FileType, rows: list[dict[str, Any]], month: str | None, file: str, load_id: str) -> None:
    cols = [*ft.column_names, "_council", "_month", "_file", "_line", "_load_id"]
    if ft.wide_year_columns:
        cols = [*ft.column_names, ft.extra["year_column"], ft.extra["value_column"], "_council", "_month", "_file",
                "_line", "_load_id"]
    sql = f'INSERT INTO raw."{ft.raw_table}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) VALUES ({", ".join("?" for _ in cols)})'
    for i, row in enumerate(rows):
        values = {**row, "_council": COUNCIL, "_month": parse_month(month) if month else None, "_file": file, "_line": i + 2, "_load_id": load_id}
        con.execute(sql, [values.get(c) for c in cols])


def cld_rows(month: str) -> list[dict[str, Any]]:
    end = month_end(month)
    base = {
        "LA Code": COUNCIL,
        "Reporting Period Start Date": date(end.year - 1, end.month, 1) if end.month != 12 else date(end.year, 1, 1),
        "Reporting Period End Date": end,
        "Gender": "Female",
        "Ethnicity": "White: English / Welsh / Scottish / Northern Irish / British",
        "Date of Birth": date(1940, 5, 17),
        "Client Type": "Service User",
        "Primary Support Reason": "Physical Support: Personal care support",
        "Postcode": "BS5",
        "Accommodation Status": "Registered nursing home",
        "Has Unpaid Carer": "No",
    }
    svc = {"Event Type": "Service", "Cost Frequency (Unit Type)": "Weekly"}
    return [
        {**base, **svc, "LA Person Unique Identifier": person(1), "Event Reference": "EV-1",
         "Event Start Date": date(2023, 6, 1), "Service Type": "Long Term Support: Nursing Care",
         "Service Component": "Long Term Nursing Care", "Delivery Mechanism": "CASSR Commissioned Support",
         "Provider CQC Location ID": "1-101", "Unit Cost": 900.00, "Planned units per week": 1},
        {**base, **svc, "LA Person Unique Identifier": person(2), "Event Reference": "EV-2",
         "Event Start Date": date(2023, 9, 1), "Service Type": "Long Term Support: Community",
         "Service Component": "Home Support", "Delivery Mechanism": "CASSR Commissioned Support",
         "Date of Birth": date(1980, 2, 29), "Primary Support Reason": "Learning Disability Support",
         "Unit Cost": 22.50, "Cost Frequency (Unit Type)": "Hourly", "Planned units per week": 10.5},
        {**base, **svc, "LA Person Unique Identifier": person(3), "Event Reference": "EV-3",
         "Event Start Date": date(2023, 7, 1), "Service Type": "Long Term Support: Community",
         "Service Component": "Direct Payment", "Delivery Mechanism": "Direct Payment",
         "Unit Cost": 300.00, "Planned units per week": 1},
        # Release 2 spellings (sentence case) are valid too
        {**base, **svc, "LA Person Unique Identifier": person(5), "Event Reference": "EV-7",
         "Event Start Date": date(2023, 11, 1), "Service Type": "Long term support: Residential care",
         "Service Component": "Long term residential care", "Delivery Mechanism": "CASSR commissioned support",
         "Client Type": "Service user", "Unit Cost": 750.00, "Planned units per week": 1},
        {**base, "LA Person Unique Identifier": person(4), "Event Reference": "EV-4", "Event Type": "Request",
         "Event Start Date": end.replace(day=2), "Event End Date": end.replace(day=5),
         "Event Outcome": "NFA: Information and advice or signposting",
         "Request: Route of Access": "Community / Other route"},
        {**base, "LA Person Unique Identifier": person(2), "Event Reference": "EV-5", "Event Type": "Assessment",
         "Event Start Date": date(2023, 8, 1), "Event End Date": date(2023, 8, 20),
         "Event Outcome": "Progress to Support Planning / Services",
         "Assessment Type": "Long Term Support: First Assessment", "Eligible Needs Identified": "Yes"},
        {**base, "LA Person Unique Identifier": person(1), "Event Reference": "EV-6", "Event Type": "Review",
         "Event Start Date": date(2024, 1, 10), "Event End Date": date(2024, 1, 10),
         "Event Outcome": "No change in package", "Review Reason": "Planned", "Review Outcomes Achieved": "Fully achieved"},
    ]


def service_line_rows() -> list[dict[str, Any]]:
    base = {"Supplier Local Authority": COUNCIL, "Placement Local Authority": COUNCIL, "Funding Source": "LA",
            "Client Contribution Weekly": 0}
    return [
        {**base, "Service Agreement ID": "SA1", "Line No": 1, "Event Reference": "EV-1",
         "LA Person Unique Identifier": person(1), "Element Code": "NURS01", "Supplier ID": "S1",
         "CQC Location ID": "1-101", "Start Date": date(2023, 6, 1), "Unit Rate": 900.00, "Rate Unit": "Week",
         "Planned Units per Week": 1, "Weekly Cost": 900.00, "Client Contribution Weekly": 120.00},
        {**base, "Service Agreement ID": "SA2", "Line No": 1, "Event Reference": "EV-2",
         "LA Person Unique Identifier": person(2), "Element Code": "HOME01", "Supplier ID": "S2",
         "CQC Location ID": "1-102", "Start Date": date(2023, 9, 1), "Unit Rate": 22.50, "Rate Unit": "Hour",
         "Planned Units per Week": 10.5, "Weekly Cost": 236.25},
        {**base, "Service Agreement ID": "SA3", "Line No": 1, "Event Reference": "EV-7",
         "LA Person Unique Identifier": person(5), "Element Code": "RES01", "Supplier ID": "S3",
         "CQC Location ID": "1-103", "Placement Local Authority": "E06000022", "Start Date": date(2023, 11, 1),
         "Unit Rate": 750.00, "Rate Unit": "Week", "Planned Units per Week": 1, "Weekly Cost": 750.00},
        {**base, "Service Agreement ID": "SA4", "Line No": 1, "Event Reference": None,
         "LA Person Unique Identifier": person(6), "Element Code": "DAY01", "Supplier ID": "S4",
         "Start Date": date(2023, 5, 1), "Unit Rate": 45.00, "Rate Unit": "Session",
         "Planned Units per Week": 2, "Weekly Cost": 90.00},
    ]


def payment_rows(month: str) -> list[dict[str, Any]]:
    """Each line paid for the previous month, amount = Weekly Cost x days / 7."""
    ps = add_months(month, -1)
    pe = month_end(ps)
    days = (pe - ps).days + 1
    pay_date = parse_month(month).replace(day=5)
    out = []
    for i, line in enumerate(service_line_rows(), start=1):
        out.append({
            "Payment ID": f"PAY-{month_label(month)}-{i}", "Service Agreement ID": line["Service Agreement ID"],
            "Line No": line["Line No"], "Supplier ID": line["Supplier ID"], "Period Start": ps, "Period End": pe,
            "Units Paid": line["Planned Units per Week"] * days / 7,
            "Amount": round(line["Weekly Cost"] * days / 7, 2), "Payment Date": pay_date,
            "Payment Status": "Paid", "Invoice Reference": f"INV-{i}",
        })
    return out


def hsca_rows(month: str) -> list[dict[str, Any]]:
    def loc(i: str, name: str, rating: str, **flags: str) -> dict[str, Any]:
        return {"Location ID": i, "Location HSCA start date": date(2015, 1, 1), "Dormant (Y/N)": "N",
                "Care home?": "Y" if flags else "N", "Location Name": name, "Care homes beds": 40 if flags else None,
                "Location Latest Overall Rating": rating, "Publication Date": date(2023, 10, 2),
                "Location Region": "South West", "Location Local Authority": "Bristol",
                "Location Postal Code": "BS1 1AA", "Provider ID": "1-9" + i[-3:], "Provider Name": name,
                **flags}
    return [
        loc("1-101", "Nursing Home A", "Good", **{"Service type - Care home service with nursing": "Y"}),
        loc("1-102", "Home Care B", "Requires Improvement", **{"Service type - Domiciliary care service": "Y"}),
        loc("1-103", "Residential C", "Outstanding", **{"Service type - Care home service without nursing": "Y"}),
        loc("1-104", "Care D", "Not Rated"),
    ]


def ratings_rows() -> list[dict[str, Any]]:
    base = {"Location Local Authority": "Bristol", "Location Region": "South West",
            "Service / Population Group": "Overall", "Publication Date": date(2023, 10, 2)}
    return [
        {**base, "Location ID": "1-101", "Domain": "Overall", "Latest Rating": "Good"},
        {**base, "Location ID": "1-101", "Domain": "Safe", "Latest Rating": "Requires Improvement"},
        {**base, "Location ID": "1-102", "Domain": "Overall", "Latest Rating": "Requires improvement"},
        {**base, "Location ID": "1-103", "Domain": "Well-led", "Latest Rating": "outstanding"},
        {**base, "Location ID": "1-104", "Domain": "Overall", "Latest Rating": "Not Rated"},
    ]


def monthly_rows(ft: FileType, month: str) -> list[dict[str, Any]]:
    return {
        LAS_CLD.key: lambda: cld_rows(month),
        CONTROCC_SERVICE_LINES.key: service_line_rows,
        CONTROCC_PAYMENTS.key: lambda: payment_rows(month),
        CQC_HSCA_ACTIVE_LOCATIONS.key: lambda: hsca_rows(month),
        CQC_LATEST_RATINGS.key: ratings_rows,
    }[ft.key]()


def load_id(ft: FileType, month: str) -> str:
    return f"L-{month}-{ft.key}"


def load_month(con: duckdb.DuckDBPyConnection, month: str) -> None:
    for ft in MONTHLY_FILE_TYPES:
        rows = monthly_rows(ft, month)
        file = ft.file_name(month)
        insert(con, ft, rows, month, file, load_id(ft, month))
        con.execute(
            "INSERT INTO raw._load_log VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            # a SHA-256 per file: the months' files differ (identical ones are a gate WARN)
            [load_id(ft, month), ft.key, parse_month(month), file, f"/landing/{month}/{file}",
             hashlib.sha256(file.encode()).hexdigest(),
             len(rows), len(rows), 0, "loaded", None, datetime(2024, 4, 2, 6, 0), COUNCIL],
        )


def care_ladder_mart(con: duckdb.DuckDBPyConnection, month: str) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(
        """CREATE TABLE IF NOT EXISTS marts.care_ladder_monthly (
             council_code VARCHAR, month DATE, care_ladder_rung VARCHAR, tier INTEGER, age_band VARCHAR, service_users BIGINT,
             active_lines BIGINT, weekly_cost DECIMAL(18,2), spend DECIMAL(18,2), pct_spend DOUBLE,
             pct_activity DOUBLE, weekly_hours DOUBLE)"""
    )
    m = parse_month(month)
    rows = [
        (COUNCIL, m, "Nursing", 3, "65+", 1, 1, 900, 3985.71, 3985.71 / (3985.71 + 3321.43) * 100, 50.0, 0),
        (COUNCIL, m, "Residential", 3, "65+", 1, 1, 750, 3321.43, 3321.43 / (3985.71 + 3321.43) * 100, 50.0, 0),
        (COUNCIL, m, "Home Care", 3, "18-64", 1, 1, 236.25, 1046.25, 100.0, 100.0, 10.5),
        (COUNCIL, m, "Reablement", 2, "65+", 0, 0, 0, 0, None, None, 0),
    ]
    con.executemany("INSERT INTO marts.care_ladder_monthly VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)


def build_clean(con: duckdb.DuckDBPyConnection | None = None, with_mart: bool = True) -> duckdb.DuckDBPyConnection:
    con = con or duckdb.connect(":memory:")
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for ft in FILE_TYPES.values():
        con.execute(raw_ddl(ft))
    con.execute(LOAD_LOG_DDL)
    con.execute(REJECTS_DDL)
    insert(con, ELEMENT_RUNG_MAP, [
        {"Element Code": "NURS01", "Element Description": "Nursing placement", "Care Ladder Rung": "Nursing"},
        {"Element Code": "HOME01", "Element Description": "Home care", "Care Ladder Rung": "Home Care"},
        {"Element Code": "RES01", "Element Description": "Residential placement", "Care Ladder Rung": "Residential"},
        {"Element Code": "DAY01", "Element Description": "Day care", "Care Ladder Rung": "Day Care"},
    ], None, "element_rung_map.csv", "L-ref-map")
    insert(con, KPI_TARGETS, [
        {"kpi_code": "LTC_AT_HOME", "kpi": "Long-term support at home", "target_18_64": 80, "target_65_plus": 60,
         "unit": "%", "direction": "higher_is_better"},
    ], None, "kpi_targets.csv", "L-ref-kpi")
    load_month(con, PREV)
    load_month(con, MONTH)
    if with_mart:
        care_ladder_mart(con, MONTH)
    return con


def with_defects(defects: tuple[str, ...]) -> duckdb.DuckDBPyConnection:
    """A clean warehouse (no mart) with each SQL statement of ``defects`` applied."""
    con = build_clean(with_mart=False)
    for sql in defects:
        con.execute(sql)
    return con


def gate_rejects(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The rows the gates wrote to ``raw._rejects``, in a stable order (times left out)."""
    return con.execute(
        """SELECT load_id, file_type, month, file, line, "column", value, reason, check_name FROM raw._rejects
           WHERE starts_with(reason, 'gate ') ORDER BY ALL"""
    ).fetchall()


def as_dicts(results: dict[Any, list[Any]]) -> dict[Any, list[dict[str, Any]]]:
    """Check results per council-month as plain dicts, for comparing two runs."""
    return {m: [dataclasses.asdict(r) for r in rs] for m, rs in results.items()}


def part(month: str = MONTH, council: str = COUNCIL) -> Part:
    return Part(council, month)
