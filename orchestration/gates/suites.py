"""The Great Expectations suites, one per source file type, built from ``sources.contracts`` and
``code_lists`` and kept as JSON in ``expectations/<file type>.json``.

Regenerate after changing the contract or a code list::

    python -m orchestration.gates.suites          # writes expectations/*.json
    python -m orchestration.gates.suites --check  # exit 1 when the committed JSON is stale

Each expectation carries in ``meta``:
``name`` (the CheckResult name), ``check``, ``column`` (the source column a failure names),
``severity`` (ERROR|WARN, also mapped onto GX's own ``severity``), ``fail_text`` (what a failing
row means, used in the message), optionally ``derived`` (``{"column", "sql"}``: a computed column
the source check adds to the rows it reads; ``${month_start}``/``${month_end}`` are the
partition's first/last day) and ``show`` (extra columns worth showing in examples).
Thresholds are suite parameters (``{"$PARAMETER": "cost_ceiling"}``) filled from ``GateConfig``.
Row-level checks that need the whole month at once (uniqueness, row-count drift, column types,
cross-file reconciliation) run in SQL and are listed in the suite's ``meta.sql_checks``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import great_expectations as gx

from orchestration.gates.code_lists import FLAG, FLAG_SOFT, code_list_for, sql_normalise
from orchestration.settings import EXPECTATIONS_DIR
from sources.contracts import FILE_TYPES, MONTHLY_FILE_TYPES, NATIONAL_COMPARATOR_MEASURES, FileType

GEOGRAPHY_REGEX = r"^[EWSNK]\d{8}$"
PENNY = 0.005000001  # |Unit Rate x Units - Weekly Cost| above half a penny is a mismatch

# Pseudonymised identifiers shown beside a failing row (never names, dates of birth, postcodes).
EXAMPLE_ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "las_cld": ("Event Reference", "LA Person Unique Identifier", "Event Type"),
    "controcc_service_lines": ("Service Agreement ID", "Line No", "Event Reference", "Element Code"),
    "controcc_payments": ("Payment ID", "Service Agreement ID", "Line No", "Payment Status"),
    "cqc_hsca_active_locations": ("Location ID",),
    "cqc_latest_ratings": ("Location ID", "Domain"),
    "ascs_responses": ("Respondent ID",),
    "element_rung_map": ("Element Code",),
    "kpi_targets": ("kpi_code",),
    "prevalence_rates": ("measure", "age_band"),
    "national_comparators": ("measure", "financial_year", "age_band"),
    "census_ts007a": ("geography code",),
    "census_ts038": ("geography code",),
    "mye_population": ("GEOGRAPHY_CODE", "DATE_NAME", "C_AGE_NAME"),
    "snpp_population": ("AREA_CODE", "AGE_GROUP", "year"),
}
# Columns whose values never appear in examples, rejects or reports (derived values do).
SENSITIVE_COLUMNS = frozenset({"NHS Number", "Postcode", "Date of Birth", "Date of Death"})
COLUMN_KWARGS = ("column", "column_A", "column_B")  # the kwargs naming the columns an expectation reads


def columns_of(expectation: dict[str, Any]) -> list[str]:
    """The columns an expectation (suite JSON) reads, in kwarg order."""
    return [expectation["kwargs"][k] for k in COLUMN_KWARGS if k in expectation["kwargs"]]

# (file type, column) -> severity for code-list / flag checks is the list's ``blocking``;
# everything below is ERROR unless listed as WARN here.
GEOGRAPHY_COLUMNS: dict[str, tuple[str, ...]] = {
    "las_cld": ("LA Code",),
    "controcc_service_lines": ("Supplier Local Authority", "Placement Local Authority"),
    "census_ts007a": ("geography code",),
    "census_ts038": ("geography code",),
    "mye_population": ("GEOGRAPHY_CODE",),
    "snpp_population": ("AREA_CODE",),
}
# (end, start, severity)
DATE_ORDER: dict[str, tuple[tuple[str, str, str], ...]] = {
    "las_cld": (
        ("Event End Date", "Event Start Date", "ERROR"),
        ("Reporting Period End Date", "Reporting Period Start Date", "ERROR"),
        ("Date of Death", "Date of Birth", "ERROR"),
    ),
    "controcc_service_lines": (("End Date", "Start Date", "ERROR"),),
    "controcc_payments": (("Period End", "Period Start", "ERROR"),),
}
# (column, severity): dates that must not fall after the reporting period end
NOT_IN_FUTURE: dict[str, tuple[tuple[str, str], ...]] = {
    "las_cld": (
        ("Event Start Date", "ERROR"),
        ("Date of Birth", "ERROR"),
        ("Date of Death", "ERROR"),
        ("Reporting Period Start Date", "ERROR"),
        ("Event End Date", "WARN"),
    ),
    "controcc_service_lines": (("Start Date", "ERROR"),),
    "controcc_payments": (("Payment Date", "ERROR"), ("Period Start", "ERROR")),
    "cqc_hsca_active_locations": (("Location HSCA start date", "WARN"), ("Publication Date", "WARN")),
    "cqc_latest_ratings": (("Publication Date", "WARN"),),
}
# (column, min, max parameter or literal, severity, fail text)
RANGES: dict[str, tuple[tuple[str, float, Any, str, str], ...]] = {
    "las_cld": (
        # 0.00 is a real CLD cost (a service at no cost to the council); negative is not
        ("Unit Cost", 0, "unit_cost_ceiling", "ERROR", "Unit Cost is negative or above the ceiling"),
        ("Planned units per week", 0, 1000, "WARN", "Planned units per week is negative or above 1000"),
    ),
    "controcc_service_lines": (
        ("Unit Rate", 0.01, "cost_ceiling", "ERROR", "Unit Rate is not positive or is above the ceiling"),
        ("Weekly Cost", 0.01, "cost_ceiling", "ERROR", "Weekly Cost is not positive or is above the ceiling"),
        ("Planned Units per Week", 0.000001, 1000, "ERROR", "Planned Units per Week is not positive or is above 1000"),
        ("Client Contribution Weekly", 0, "cost_ceiling", "ERROR", "Client Contribution Weekly is negative or above the ceiling"),
    ),
    "cqc_hsca_active_locations": (("Care homes beds", 0, 2000, "WARN", "Care homes beds is negative or above 2000"),),
    "ascs_responses": (
        ("Q3a", 1, 4, "ERROR", "Q3a is not an answer code 1-4"),
        ("Q7a", 1, 4, "ERROR", "Q7a is not an answer code 1-4"),
        ("Q7b", 1, 2, "ERROR", "Q7b is not an answer code 1-2"),
        ("Weight", 0.000001, 1000, "ERROR", "Weight is not positive or is above 1000"),
        ("Survey Year", 2000, 2100, "ERROR", "Survey Year is not a plausible year"),
    ),
    "mye_population": (("OBS_VALUE", 0, 100_000_000, "ERROR", "OBS_VALUE is negative"),),
    "snpp_population": (("population", 0, 100_000_000, "ERROR", "population is negative"),),
    "prevalence_rates": (("rate_pct", 0, 100, "ERROR", "rate_pct is not a percentage 0-100"),),
    "national_comparators": (("value", 0, 100_000, "ERROR", "value is negative or above 100,000 (a rate per 100,000)"),),
}
# (check-name columns -> suite JSON) uniqueness etc. run in SQL: documented in suite meta
SQL_CHECKS: dict[str, tuple[str, ...]] = {
    "las_cld": ("unique:Event Reference (within the file)",),
    "controcc_service_lines": ("unique:Service Agreement ID + Line No (within the file)",),
    "controcc_payments": (
        "unique:Payment ID (within the file)",
        "unique_across_months:Payment ID (not already paid in an earlier month; WARN)",
    ),
    "cqc_hsca_active_locations": ("unique:Location ID (within the file)",),
    "element_rung_map": ("unique:Element Code",),
    "prevalence_rates": ("unique:measure + age_band",),
    "national_comparators": ("unique:measure + financial_year + age_band",),
}
COMMON_SQL_CHECKS = ("column_types (raw table columns typed as RAW_TYPES)",)
MONTHLY_SQL_CHECKS = (
    "drift (rows vs the previous loaded month; >= drift_threshold fewer is ERROR)",
    "file_loaded / rows_accounted / rows_in_raw (raw._load_log)",
)


def _expectation(
    type_: str,
    kwargs: dict[str, Any],
    *,
    ft: FileType,
    check: str,
    column: str,
    severity: str,
    fail_text: str,
    derived: dict[str, str] | None = None,
    show: tuple[str, ...] = (),
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": f"{ft.key}.{check}:{column}",
        "check": check,
        "column": column,
        "severity": severity,
        "fail_text": fail_text,
    }
    if derived:
        meta["derived"] = derived
    if show:
        meta["show"] = list(show)
    return {
        "type": type_,
        "kwargs": kwargs,
        "meta": meta,
        "severity": "critical" if severity == "ERROR" else "warning",
    }


def derived_name(column: str, what: str) -> str:
    return f"{column} [{what}]"


def build_expectations(ft: FileType) -> list[dict[str, Any]]:
    """All expectations of a file type's suite, in a stable order."""
    out: list[dict[str, Any]] = []
    names = set(ft.column_names)
    if ft.wide_year_columns:
        names |= {ft.extra["year_column"], ft.extra["value_column"]}
    out.append(
        _expectation(
            "expect_table_columns_to_match_set",
            {"column_set": sorted(names | {"_month", "_file", "_line", "_load_id"}), "exact_match": False},
            ft=ft,
            check="required_columns",
            column="*",
            severity="ERROR",
            fail_text="required columns are missing from the raw table",
        )
    )
    for c in ft.columns:
        if c.not_null:
            out.append(
                _expectation(
                    "expect_column_values_to_not_be_null",
                    {"column": c.name},
                    ft=ft,
                    check="not_null",
                    column=c.name,
                    severity="ERROR",
                    fail_text=f"{c.name} is blank (the contract requires a value)",
                )
            )
    for c in ft.columns:
        cl = code_list_for(ft.key, c.name)
        if cl is None and c.kind == "flag":
            cl = FLAG if c.name.startswith("Service type - ") else FLAG_SOFT
        if cl is None:
            continue
        if cl.case_sensitive:
            expr, what = f"nullif(trim(CAST(\"{c.name}\" AS VARCHAR)), '')", "trimmed"
        else:
            expr, what = sql_normalise(c.name), "normalised"
        dcol = derived_name(c.name, what)
        flag = cl.values == ("Y",)
        out.append(
            _expectation(
                "expect_column_values_to_be_in_set",
                {"column": dcol, "value_set": cl.allowed()},
                ft=ft,
                check="flag" if flag else "in_code_list",
                column=c.name,
                severity="ERROR" if cl.blocking else "WARN",
                fail_text=(
                    f"{c.name} is neither Y nor blank"
                    if flag
                    else f"{c.name} is not in the {cl.name} code list"
                    + (" (CLD Release 1/2, case-insensitive)" if ft.key == "las_cld" else "")
                ),
                derived={"column": dcol, "sql": expr},
            )
        )
    for col in GEOGRAPHY_COLUMNS.get(ft.key, ()):
        out.append(
            _expectation(
                "expect_column_values_to_match_regex",
                {"column": col, "regex": GEOGRAPHY_REGEX},
                ft=ft,
                check="geography_code",
                column=col,
                severity="ERROR",
                fail_text=f"{col} is not a well-formed ONS geography code ({GEOGRAPHY_REGEX})",
            )
        )
    for col, lo, hi, sev, text in RANGES.get(ft.key, ()):
        out.append(
            _expectation(
                "expect_column_values_to_be_between",
                {"column": col, "min_value": lo, "max_value": {"$PARAMETER": hi} if isinstance(hi, str) else hi},
                ft=ft,
                check="range",
                column=col,
                severity=sev,
                fail_text=text,
            )
        )
    if ft.key == "las_cld":
        dcol = derived_name("Date of Birth", "age at reporting period end")
        out.append(
            _expectation(
                "expect_column_values_to_be_between",
                {"column": dcol, "min_value": {"$PARAMETER": "min_age"}, "max_value": 125},
                ft=ft,
                check="adult_age",
                column="Date of Birth",
                severity="ERROR",
                fail_text="the person is under 18 (or over 125) at the reporting period end",
                derived={
                    "column": dcol,
                    "sql": "date_sub('year', \"Date of Birth\", "
                    "coalesce(\"Reporting Period End Date\", DATE '${month_end}'))",
                },
            )
        )
    if ft.key == "las_cld":
        # The CLD specification makes Service Type mandatory for Service events; SOURCES.md allows
        # blanks only where it does not. Such an event is kept but counts in no service figure:
        # a WARN names the rows (not an ERROR: a month is not blocked on one field's absence).
        dcol = derived_name("Service Type", "missing on a Service event")
        out.append(
            _expectation(
                "expect_column_values_to_be_between",
                {"column": dcol, "min_value": 0, "max_value": 0},
                ft=ft,
                check="required_for_event_type",
                column="Service Type",
                severity="WARN",
                fail_text="a Service event without a Service Type (mandatory for Service events): "
                "it counts in no service figure",
                derived={
                    "column": dcol,
                    "sql": "CASE WHEN lower(trim(\"Event Type\")) = 'service' "
                    "AND nullif(trim(\"Service Type\"), '') IS NULL THEN 1 ELSE 0 END",
                },
                show=("Event Reference", "Event Type", "Service Type"),
            )
        )
    if ft.key == "controcc_service_lines":
        dcol = derived_name("Weekly Cost", "difference from Unit Rate x Planned Units per Week")
        out.append(
            _expectation(
                "expect_column_values_to_be_between",
                {"column": dcol, "min_value": 0, "max_value": PENNY},
                ft=ft,
                check="weekly_cost_equals_rate_x_units",
                column="Weekly Cost",
                severity="ERROR",
                fail_text="Weekly Cost != Unit Rate x Planned Units per Week",
                derived={
                    "column": dcol,
                    "sql": "abs(CAST(\"Unit Rate\" AS DOUBLE) * CAST(\"Planned Units per Week\" AS DOUBLE)"
                    " - CAST(\"Weekly Cost\" AS DOUBLE))",
                },
                show=("Unit Rate", "Planned Units per Week", "Weekly Cost"),
            )
        )
    if ft.key == "controcc_payments":
        dcol = derived_name("Amount", "signed by Payment Status")
        out.append(
            _expectation(
                "expect_column_values_to_be_between",
                {"column": dcol, "min_value": 0.01, "max_value": {"$PARAMETER": "payment_ceiling"}},
                ft=ft,
                check="range",
                column="Amount",
                severity="ERROR",
                fail_text="Amount is not positive (negative only when Reversed) or is above the ceiling",
                derived={
                    "column": dcol,
                    "sql": "CASE WHEN lower(trim(\"Payment Status\")) = 'reversed' "
                    "THEN -CAST(\"Amount\" AS DOUBLE) ELSE CAST(\"Amount\" AS DOUBLE) END",
                },
                show=("Amount", "Payment Status"),
            )
        )
    if ft.key == "national_comparators":
        out += _national_comparator_expectations(ft)
    for end, start, sev in DATE_ORDER.get(ft.key, ()):
        out.append(
            _expectation(
                "expect_column_pair_values_a_to_be_greater_than_b",
                {"column_A": end, "column_B": start, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
                ft=ft,
                check="end_not_before_start",
                column=end,
                severity=sev,
                fail_text=f"{end} is before {start}",
            )
        )
    for col, sev in NOT_IN_FUTURE.get(ft.key, ()):
        dcol = derived_name(col, "days after the reporting period end")
        out.append(
            _expectation(
                "expect_column_values_to_be_between",
                {"column": dcol, "max_value": 0},
                ft=ft,
                check="not_after_period_end",
                column=col,
                severity=sev,
                fail_text=f"{col} is after the reporting period end",
                derived={"column": dcol, "sql": f"date_diff('day', DATE '${{month_end}}', \"{col}\")"},
            )
        )
    return out


def _national_comparator_expectations(ft: FileType) -> list[dict[str, Any]]:
    """national_comparators.csv: `financial_year` is `YYYY/YY` of two consecutive years, and each
    measure's age band is the one it is defined for (ASCOF 2B 18-64, 2C 65+)."""
    fy = "trim(CAST(\"financial_year\" AS VARCHAR))"
    fy_col = derived_name("financial_year", "not a financial year YYYY/YY")
    band_col = derived_name("age_band", "not the measure's age band")
    wrong_band = " ".join(
        f"WHEN lower(trim(\"measure\")) = '{m.lower()}' AND lower(trim(\"age_band\")) <> '{band.lower()}' THEN 1"
        for m, band in NATIONAL_COMPARATOR_MEASURES.items())
    return [
        _expectation(
            "expect_column_values_to_be_between",
            {"column": fy_col, "min_value": 0, "max_value": 0},
            ft=ft, check="financial_year", column="financial_year", severity="ERROR",
            fail_text="financial_year is not a financial year 'YYYY/YY' (e.g. 2023/24)",
            derived={"column": fy_col, "sql": f"CASE WHEN \"financial_year\" IS NULL THEN NULL "
                     f"WHEN regexp_full_match({fy}, '[0-9]{{4}}/[0-9]{{2}}') AND (TRY_CAST(left({fy}, 4) AS INTEGER) + 1)"
                     f" % 100 = TRY_CAST(right({fy}, 2) AS INTEGER) THEN 0 ELSE 1 END"},
            show=("financial_year",),
        ),
        _expectation(
            "expect_column_values_to_be_between",
            {"column": band_col, "min_value": 0, "max_value": 0},
            ft=ft, check="measure_age_band", column="age_band", severity="ERROR",
            fail_text="age_band is not the measure's age band ("
            + ", ".join(f"{m} {band}" for m, band in NATIONAL_COMPARATOR_MEASURES.items()) + ")",
            derived={"column": band_col, "sql": f"CASE {wrong_band} ELSE 0 END"},
            show=("measure", "age_band"),
        ),
    ]


def build_suite(ft: FileType) -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(
        name=ft.key,
        expectations=build_expectations(ft),
        meta={
            "file_type": ft.key,
            "raw_table": f"raw.{ft.raw_table}",
            "file_pattern": ft.file_pattern,
            "scope": ft.scope,
            "example_columns": list(EXAMPLE_ID_COLUMNS.get(ft.key, ())),
            "sql_checks": list(SQL_CHECKS.get(ft.key, ()))
            + list(COMMON_SQL_CHECKS)
            + (list(MONTHLY_SQL_CHECKS) if ft in MONTHLY_FILE_TYPES else []),
            "generated_by": "python -m orchestration.gates.suites (from sources/contracts.py and "
            "orchestration/gates/code_lists.py)",
        },
    )
    return suite


def suite_json(ft: FileType) -> dict[str, Any]:
    d = build_suite(ft).to_json_dict()
    d.pop("id", None)
    for e in d.get("expectations", []):
        e.pop("id", None)
        e.pop("rendered_content", None)
    return d


def suite_path(key: str, directory: Path = EXPECTATIONS_DIR) -> Path:
    return directory / f"{key}.json"


def _dump(d: dict[str, Any]) -> str:
    return json.dumps(d, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_suites(directory: Path = EXPECTATIONS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for ft in FILE_TYPES.values():
        p = suite_path(ft.key, directory)
        p.write_text(_dump(suite_json(ft)), encoding="utf-8")
        paths.append(p)
    return paths


def stale_suites(directory: Path = EXPECTATIONS_DIR) -> list[str]:
    """File types whose committed JSON differs from what the contract generates."""
    stale = []
    for ft in FILE_TYPES.values():
        p = suite_path(ft.key, directory)
        if not p.exists() or json.loads(p.read_text(encoding="utf-8")) != json.loads(_dump(suite_json(ft))):
            stale.append(ft.key)
    return stale


def load_suite_json(key: str, directory: Path = EXPECTATIONS_DIR) -> dict[str, Any]:
    """The committed suite (what the gates run), as a dict."""
    return json.loads(suite_path(key, directory).read_text(encoding="utf-8"))


def suite_from_json(d: dict[str, Any]) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name=d["name"], expectations=d["expectations"], meta=d.get("meta") or {})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=EXPECTATIONS_DIR)
    ap.add_argument("--check", action="store_true", help="exit 1 if the JSON files are stale")
    args = ap.parse_args(argv)
    if args.check:
        stale = stale_suites(args.dir)
        print("stale suites: " + ", ".join(stale) if stale else "suites up to date")
        return 1 if stale else 0
    for p in write_suites(args.dir):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
