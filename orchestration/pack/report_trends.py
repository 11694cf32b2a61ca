"""The report's trend charts: the care ladder (people), spend and unit costs by Tier 3 rung over the
months up to the pack's (at most 36).

A pack's tables hold one month; the trend is read from the warehouse by the pack builder: each
month's care ladder is built by the same builder as the published Table 1 (`tables.care_ladder`), so
it is suppressed exactly as that month's pack suppresses it, and a month blocked from publication
and never published is `[x]` (revisions.py), as in the KPI trend."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from orchestration.pack import revisions, svg
from orchestration.pack.report_format import display, figures_behind, month_label, pv
from orchestration.pack.rounding import NOT_PUBLISHED
from orchestration.pack.suppression import SUPPRESSED
from orchestration.pack.tables import (TIER3_RUNGS, PackContext, PublishedTable, care_ladder, for_council, mart_columns,
                                       query)

MAX_TREND_MONTHS = 36
MEASURES = ("service_users", "spend", "weekly_cost")
RUNG_COLOURS = ("#1f4e79", "#e07b39", "#2a9d8f", "#8e44ad", "#c0392b", "#7f8c8d", "#d4a017", "#56b4e9", "#000000")


@dataclass
class LadderTrend:
    """Per month (oldest first), the All-ages Tier 3 rows of that month's published care ladder."""
    months: list[dt.date]
    rows: list[dict[str, dict[str, Any]]]  # per month: rung -> row (service_users, spend, weekly_cost)


def ladder_trend(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> LadderTrend:
    have = mart_columns(con, "care_ladder_monthly") or []
    where, params = for_council(have, ctx, "where month <= ?", [ctx.month])
    found = query(con, f"select distinct month from marts.care_ladder_monthly {where} order by month desc "
                       f"limit {MAX_TREND_MONTHS}", params)
    months = sorted(r["month"] for r in found)
    blocked = revisions.blocked_months(con, ctx.council, ctx.period)
    rows = []
    for month in months:
        table = care_ladder(con, PackContext(month, ctx.council))
        by_rung = {r["care_ladder_rung"]: r for r in table.rows if r["age_band"] == "All"}
        if month.strftime("%Y-%m") in blocked:
            by_rung = {k: {**r, **{m: NOT_PUBLISHED for m in MEASURES}} for k, r in by_rung.items()}
        rows.append(by_rung)
    return LadderTrend(months, rows)


def unit_cost(row: dict[str, Any] | None) -> Any:
    """Weekly cost per person: the rung's weekly cost / its service users; a marker when the people are
    hidden ([c], [x]) or there are none ([z])."""
    if row is None:
        return None
    people, cost = row.get("service_users"), row.get("weekly_cost")
    if people in (SUPPRESSED, NOT_PUBLISHED):
        return people
    if cost in (SUPPRESSED, NOT_PUBLISHED):
        return cost
    if not isinstance(people, (int, float)) or not people or cost is None:
        return None
    return float(cost) / float(people)


def _series(trend: LadderTrend, value: Callable[[dict[str, Any] | None], Any], kind: str) -> list[tuple[str, list[Any], str]]:
    rungs = [r for r in TIER3_RUNGS if any(r in month for month in trend.rows)]
    return [(rung, [pv(value(month.get(rung)), kind) for month in trend.rows], RUNG_COLOURS[i % len(RUNG_COLOURS)])
            for i, rung in enumerate(rungs)]


def _chart(trend: LadderTrend, title: str, value: Callable[[dict[str, Any] | None], Any], kind: str, unit: str) -> str:
    if len(trend.months) < 2:
        return ('<p class="note">A trend needs two months or more: the warehouse holds '
                f"{len(trend.months)} month(s) up to this one.</p>")
    series = _series(trend, value, kind)
    xs = [month_label(m) for m in trend.months]
    prefix = "£" if kind == "money" else ""
    chart = svg.line_chart(f"{title}, {xs[0]} to {xs[-1]}", xs, series, y_prefix=prefix, end_labels=False,
                           height=340)
    rows = [[xs[i], *[display(value(trend.rows[i].get(rung)), kind) for rung, _, _ in series]]
            for i in range(len(xs))]
    return chart + figures_behind(f"The figures behind the chart ({unit}, every month)", ["Month", *[s[0] for s in series]],
                                  rows, [False, *[True] * len(series)])


def people_chart(trend: LadderTrend) -> str:
    return _chart(trend, "Tier 3 service users by rung", lambda r: (r or {}).get("service_users"), "count",
                  "people at each month's last day")


def spend_chart(trend: LadderTrend) -> str:
    return _chart(trend, "Tier 3 committed spend by rung", lambda r: (r or {}).get("spend"), "money",
                  "£ committed in the month")


def unit_cost_chart(trend: LadderTrend) -> str:
    return _chart(trend, "Weekly cost per person by rung", unit_cost, "money", "£ per person per week")


def unit_cost_rows(table: PublishedTable | None) -> list[list[str]]:
    """The month's unit cost per Tier 3 rung (All ages): people, weekly cost, cost per person."""
    if table is None:
        return []
    out = []
    for r in table.rows:
        if r.get("age_band") == "All" and r.get("care_ladder_rung") in TIER3_RUNGS:
            out.append([str(r["care_ladder_rung"]), display(r.get("service_users"), "count"),
                        display(r.get("weekly_cost"), "money"), display(unit_cost(r), "money")])
    return out
