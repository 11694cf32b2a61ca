"""The KPI tables (kpi_pack.xlsx, kpi_monthly.csv): the month, and the series up to the month."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from orchestration.pack import suppression as sup
from orchestration.pack.tables import AGE_ORDER, PackContext, PublishedTable, _finish, _order, for_council, mart_columns, query

KPI_ORDER = ("LTC_USERS", "LTC_AT_HOME", "AVG_WEEKLY_COST", "CONTACT_TO_TIER3", "FEEL_SAFE",
             "CONTROL_DAILY_LIFE", "CQC_GOOD_OR_BETTER")
KPI_NAMES = {
    "LTC_USERS": "Number of service users in long term care",
    "LTC_AT_HOME": "% of long term service users supported at home or in a tenancy",
    "AVG_WEEKLY_COST": "Average weekly cost of service users in long term care",
    "CONTACT_TO_TIER3": "% of new contacts resulting in a long term (Tier 3) service within 90 days",
    "FEEL_SAFE": "% of service users who say services make them feel safe and secure (ASCOF 4B)",
    "CONTROL_DAILY_LIFE": "% of service users who have control over their daily life (ASCOF 1B)",
    "CQC_GOOD_OR_BETTER": "% of council-used CQC-regulated locations rated Good or Outstanding",
}
VALUE_KIND = {"LTC_USERS": "count", "AVG_WEEKLY_COST": "money"}  # others: pct
UNITS = {"count": "people", "money": "£ per week", "pct": "%"}
DIRECTION = {"LTC_USERS": "lower_is_better", "AVG_WEEKLY_COST": "lower_is_better", "CONTACT_TO_TIER3": "lower_is_better"}
# The mart's direction (from the council's targets seed) as people read it: the `direction` column
# of kpi_monthly.csv and sheets KPIs/Trend, and the report's KPI table.
DIRECTION_TEXT = {"higher_is_better": "Higher is better", "lower_is_better": "Lower is better"}
# KPIs whose numerator/denominator are not people (locations): never suppressed.
NON_PEOPLE_KPIS = frozenset({"CQC_GOOD_OR_BETTER"})
MONEY_NUMERATOR_KPIS = frozenset({"AVG_WEEKLY_COST"})
COUNT_VALUE_KPIS = frozenset({"LTC_USERS"})

# `direction` is last (before `revised`), so the columns published before it keep their places.
COLUMNS = ["month", "kpi_code", "kpi", "age_band", "value", "unit", "target", "rag", "numerator", "denominator",
           "direction"]


def value_kind(row: Mapping[str, Any]) -> str:
    return VALUE_KIND.get(str(row.get("kpi_code")), "pct")


def numerator_kind(row: Mapping[str, Any]) -> str:
    return "money" if row.get("kpi_code") in MONEY_NUMERATOR_KPIS else "count"


def kpi_people(row: Mapping[str, Any]) -> tuple[str, ...]:
    code = row.get("kpi_code")
    if code in NON_PEOPLE_KPIS:
        return ()
    cols = ("denominator",) if code in MONEY_NUMERATOR_KPIS else ("numerator", "denominator")
    return (*cols, "value") if code in COUNT_VALUE_KPIS else cols


def kpi_derived(row: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    code = row.get("kpi_code")
    if code in NON_PEOPLE_KPIS:
        return {}
    basis = ("denominator",) if code in MONEY_NUMERATOR_KPIS else ("numerator", "denominator")
    return {"value": basis, "rag": ("value",), "numerator": ("denominator",) if code in MONEY_NUMERATOR_KPIS else ()}


def kpi_complements(row: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    code = row.get("kpi_code")
    if code in NON_PEOPLE_KPIS or code in MONEY_NUMERATOR_KPIS or code in COUNT_VALUE_KPIS:
        return ()
    return (("numerator", "denominator"),)


KPI_RULE = sup.SuppressionRule(keys=("month", "kpi_code", "age_band"), people=kpi_people, derived=kpi_derived,
                               complements=kpi_complements)


def _rows(con: duckdb.DuckDBPyConnection, ctx: PackContext, where: str) -> tuple[list[dict[str, Any]], list[str]]:
    have = mart_columns(con, "kpi_monthly") or []
    measures = [c for c in ("value", "target", "rag", "numerator", "denominator") if c in have]
    extra = [c for c in ("kpi", "kpi_name", "unit", "direction") if c in have]
    where, params = for_council(have, ctx, where, [ctx.month])
    rows = query(con, f"select month, kpi_code, age_band, {', '.join(measures + extra)} from marts.kpi_monthly {where}",
                 params)
    for r in rows:
        r["kpi"] = r.get("kpi") or r.get("kpi_name") or KPI_NAMES.get(r["kpi_code"], r["kpi_code"])
        r["unit"] = UNITS[value_kind(r)]
        code = r.get("direction") or DIRECTION.get(r["kpi_code"], "higher_is_better")
        r["direction"] = DIRECTION_TEXT.get(str(code), str(code))
    rows.sort(key=lambda r: (r["month"], _order(r["kpi_code"], KPI_ORDER), _order(r["age_band"], AGE_ORDER)))
    cols = [c for c in COLUMNS if c in ("month", "kpi_code", "kpi", "age_band", "unit", "direction") or c in measures]
    return rows, cols


def _kpi_table(ctx: PackContext, rows: list[dict[str, Any]], cols: Sequence[str], *, id: str, sheet: str,
               filename: str, title: str) -> PublishedTable:
    return _finish(
        id=id, sheet=sheet, filename=filename, title=title,
        units="Value in the KPI's unit (people, % 0-100, or £ per week); target in the same unit.",
        source="Source: council social care records, Adult Social Care Survey and CQC ratings, marts.kpi_monthly; "
               "targets from the council's KPI targets.",
        rows=rows, columns=cols, rule=KPI_RULE,
        kinds={"month": "date", "kpi": "text", "unit": "text", "direction": "text"},
        row_kinds={"value": value_kind, "target": value_kind, "numerator": numerator_kind},
        people_columns=("numerator", "denominator", "value (LTC_USERS)"),
        notes=["RAG: Green meets the target; Amber misses it by at most 10% of the target; Red otherwise.",
               "Direction: whether a higher or a lower value is better (the council's KPI targets); the RAG "
               "reads the target in that direction.",
               "A percentage, average or RAG built on a count of 1-4 people is suppressed with it; so is a "
               "numerator whose difference from its denominator is 1-4 people."],
        groups_doc="None (each KPI row stands alone; 18-64 and 65+ have no published total).",
    )


def kpi_month(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    rows, cols = _rows(con, ctx, "where month = ?")
    return _kpi_table(ctx, rows, cols, id="kpi_month", sheet="KPIs", filename="",
                      title=f"Adult Social Care key performance indicators, {ctx.period_label}")


def kpi_series(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    rows, cols = _rows(con, ctx, "where month <= ?")
    return _kpi_table(ctx, rows, cols, id="kpi_monthly", sheet="Trend", filename="kpi_monthly.csv",
                      title=f"Adult Social Care key performance indicators, every month up to {ctx.period_label}")
