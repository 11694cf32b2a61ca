"""The KPI pack's Definitions sheet: each KPI's definition, source, direction and targets.

Direction and targets come from the month's rows of `marts.kpi_monthly` (its `direction` column,
from the council's KPI targets); the definition and source text from the outputs contract."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from orchestration.pack import suppression as sup
from orchestration.pack.columns import label
from orchestration.pack.kpis import DIRECTION, KPI_NAMES, KPI_ORDER, UNITS, _rows, value_kind
from orchestration.pack.tables import Column, PackContext, PublishedTable, _order

SOURCE_CLD = "LAS client-level data (CLD) events"
DEFINITIONS: dict[str, tuple[str, str]] = {  # kpi_code -> (definition, source)
    "LTC_USERS": ("Distinct people with an active CLD Service event whose Service Type is long-term support, "
                  "on the month's last day.", SOURCE_CLD),
    "LTC_AT_HOME": ("Of the people in long-term care (LTC_USERS), the % whose long-term setting is Community "
                    "(not Nursing or Residential care).", SOURCE_CLD),
    "AVG_WEEKLY_COST": ("Sum of the Weekly Cost of the active ContrOCC service lines of the people in long-term "
                        "care, divided by their number (LTC_USERS).", f"ContrOCC service lines; {SOURCE_CLD}"),
    "CONTACT_TO_TIER3": ("Of the distinct people with a Request event starting in the 12 months to the month's "
                         "last day, the % with a long-term support Service event starting within 90 days after "
                         "that request (age at the request).", SOURCE_CLD),
    "FEEL_SAFE": ("ASCOF 4B: % of service users who say the services they receive make them feel safe and "
                  "secure, from the latest survey year on or before the month.", "Adult Social Care Survey"),
    "CONTROL_DAILY_LIFE": ("ASCOF 1B: % of service users who have control over their daily life, from the "
                           "latest survey year on or before the month.", "Adult Social Care Survey"),
    "CQC_GOOD_OR_BETTER": ("Of the CQC locations on service lines active on the month's last day that have an "
                           "Overall rating in the month's ratings file, the % rated Good or Outstanding.",
                           "ContrOCC service lines; CQC Latest Ratings file"),
}
DIRECTION_TEXT = {"higher_is_better": "Higher is better", "lower_is_better": "Lower is better"}
TARGET_COLUMNS = {"18-64": "target_18_64", "65+": "target_65_plus"}
COLUMNS = ("kpi_code", "kpi", "definition", "source", "unit", "direction", *TARGET_COLUMNS.values())


def definition_rows(month_rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per KPI: of every KPI the month has (and every known one), with the month's targets."""
    codes = sorted({*KPI_ORDER, *(str(r["kpi_code"]) for r in month_rows)}, key=lambda c: _order(c, KPI_ORDER))
    out = []
    for code in codes:
        rows = [r for r in month_rows if r.get("kpi_code") == code]
        first = rows[0] if rows else {"kpi_code": code}
        definition, source = DEFINITIONS.get(code, ("See dbt_project/models/marts/kpi_monthly.yml.", "marts.kpi_monthly"))
        direction = next((r["direction"] for r in rows if r.get("direction")), DIRECTION.get(code, "higher_is_better"))
        row = {"kpi_code": code, "kpi": first.get("kpi") or KPI_NAMES.get(code, code), "definition": definition,
               "source": source, "unit": UNITS[value_kind(first)],
               "direction": DIRECTION_TEXT.get(direction, direction), **dict.fromkeys(TARGET_COLUMNS.values())}
        for r in rows:
            if r.get("age_band") in TARGET_COLUMNS:
                row[TARGET_COLUMNS[r["age_band"]]] = r.get("target")
        out.append(row)
    return out


def definitions_table(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    """The Definitions sheet of kpi_pack.xlsx: the month's rows of marts.kpi_monthly give each KPI's
    direction and targets (targets are the council's, not counts of people: never suppressed)."""
    month_rows, _ = _rows(con, ctx, "where month = ?")
    text = {"kpi_code", "kpi", "definition", "source", "unit", "direction"}
    cols = [Column(c, "text", label(c)) if c in text else Column(c, "pct", label(c), value_kind) for c in COLUMNS]
    return PublishedTable(
        id="kpi_definitions", sheet="Definitions", filename="",
        title=f"KPI definitions: what each measure counts, its source, direction and target, {ctx.period_label}",
        units="Targets in the KPI's unit (people, % 0-100, or £ per week).",
        source="Source: the outputs contract (definitions), the council's KPI targets via marts.kpi_monthly "
               "(direction and targets).",
        columns=cols, rows=definition_rows(month_rows),
        suppression=sup.SuppressionResult(frozenset(), frozenset(), frozenset()),
        notes=["RAG: Green meets the target; Amber misses it by at most 10% of the target; Red otherwise "
               "(in the KPI's direction)."],
    )
