"""The pack's forward-looking tables and report sections (issue 28): `demand_projection.csv` (sheet
`Demand projection`) from marts.demand_projection_annual and `scenarios.csv` (sheet `Scenarios`)
from marts.scenario_projection_annual, and the report's two sections on them.

Which projection a pack publishes: the marts hold one projection per council, based on its latest
loaded month. A pack publishes it when that base month is the pack's own month; an earlier month's
pack (published in a back-fill, after later months were loaded) publishes the tables empty, with a
note naming the month whose pack holds them, so a pack never shows a projection from a month it
had not reached.

Suppression (people are counted in `base_service_users` and, projected, in
`projected_service_users`; both are suppressed at 1-4, fractional projections included):
- demand_projection: a rung x age band's figures are one *series* over the projection years (its
  base users are on every row, and every projection is the base x the published population
  ratio), so a suppressed count hides the whole series: base and projected users, the use rate,
  the average weekly cost and the projected cost, in every year. Each rung and year has an `All`
  row (the sum of the four bands); secondary suppression keeps every `All` = sum of the bands
  equation from revealing a hidden band, repeated with the series rule until stable.
- scenarios: the baseline's series hidden in demand_projection are hidden in every scenario
  (a scenario's figures are the baseline's times published shares); a scenario's count of 1-4 hides
  its series in that scenario; a rung that gains people in a scenario (positive delta) is hidden in
  a band where any rung that loses people in it (negative delta) is hidden; deltas and costs
  follow their counts. The table has no totals (the report's scenario totals are money only).
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING, Any

import duckdb

from orchestration.pack import suppression as sup
from orchestration.pack import svg
from orchestration.pack.report_format import display, empty, find
from orchestration.pack.tables import (TIER3_RUNGS, PackContext, PublishedTable, _finish, _order, for_council,
                                       mart_columns, query)

if TYPE_CHECKING:
    from orchestration.pack.publish import Pack

BANDS = ("18-64", "65-74", "75-84", "85+")
ALL_AGES = "All"
BAND_ORDER = (*BANDS, ALL_AGES)
DEMAND_ID, SCENARIOS_ID = "demand_projection", "scenarios"
BASELINE = "baseline"

DEMAND_COLUMNS = ("projection_year", "care_ladder_rung", "age_band", "base_population", "projected_population",
                  "base_service_users", "use_rate_per_1000", "projected_service_users", "avg_weekly_cost",
                  "projected_annual_cost")
DEMAND_PEOPLE = ("base_service_users", "projected_service_users")
DEMAND_FOLLOW = {"use_rate_per_1000": ("base_service_users",), "avg_weekly_cost": ("base_service_users",),
                 "projected_annual_cost": ("projected_service_users",)}
DEMAND_ADDITIVE = ("base_population", "projected_population", "base_service_users", "projected_service_users",
                   "projected_annual_cost")
SCENARIO_COLUMNS = ("scenario", "projection_year", "care_ladder_rung", "age_band", "projected_service_users",
                    "projected_annual_cost", "delta_service_users", "delta_annual_cost")
SCENARIO_PEOPLE = ("projected_service_users", "delta_service_users")
SCENARIO_FOLLOW = {"projected_annual_cost": ("projected_service_users",),
                   "delta_annual_cost": ("delta_service_users",)}
KINDS = {"projection_year": "year", "base_population": "count", "projected_population": "count",
         "base_service_users": "count", "projected_service_users": "count", "use_rate_per_1000": "rate",
         "avg_weekly_cost": "money", "projected_annual_cost": "money", "delta_service_users": "count",
         "delta_annual_cost": "money", "scenario": "text"}
DEMAND_HEADING = "Projected demand and cost by care-ladder rung"
DEMAND_LEAD = ("If today's use of each rung per head of population stayed as it is, how many people would the "
               "council support, and at what cost, as the population changes (ONS projections), to 15 years ahead.")
SCENARIO_HEADING = "Care-ladder shift scenarios against the baseline"
SCENARIO_LEAD = ("Each scenario moves a share of a rung's projected people to another rung (e.g. residential care to "
                 "extra care housing) from a year on; the baseline is the projection above.")
RUNG_LINE_COLOURS = ("#1f4e79", "#e07b39", "#2a9d8f", "#8e44ad", "#c0392b", "#5aae61", "#f5c242", "#616e7c",
                     "#17becf", "#d35400", "#7f8c8d")


# ---------------------------------------------------------------- suppression
def series_suppression(
    rows: Sequence[Mapping[str, Any]], *, people: Sequence[str], follow: Mapping[str, Sequence[str]],
    series: Callable[[Mapping[str, Any]], Hashable], keys: Sequence[str] = (),
    groups: Sequence[sup.GroupSpec] = (),
    linked: Callable[[set[Hashable]], set[Hashable]] = lambda hidden: set(),
) -> sup.SuppressionResult:
    """Primary suppression of `people` counts of 1-4; a hidden cell hides the people columns of
    every row of its series (and of the series `linked` returns for the hidden ones); secondary
    suppression over `groups`; repeated until stable; then each `follow` column (a rate, average,
    cost or delta) wherever a people column it is built on is hidden in its row."""
    # a negative count (people moved out, in a delta) is people too
    primary = {(i, c) for i, row in enumerate(rows) for c in people
               if isinstance(row.get(c), (int, float, Decimal)) and sup.is_small_count(abs(row[c]))}
    values = {(i, c): v for i, row in enumerate(rows) for c, v in row.items()}
    equations = sup.build_equations(rows, keys, groups)
    of_series: dict[Hashable, list[int]] = {}
    for i, row in enumerate(rows):
        of_series.setdefault(series(row), []).append(i)
    hidden: set[sup.Cell] = set(primary)
    while True:
        names = {series(rows[i]) for i, _ in hidden}
        names |= linked(names)
        # a zero is published (it reveals nothing: e.g. the delta of a rung a scenario leaves alone)
        grown = {(i, c) for name in names for i in of_series.get(name, ()) for c in people
                 if rows[i].get(c) is not None and rows[i].get(c) != 0}
        grown |= sup.secondary_cells(values, hidden | grown, equations)
        if grown <= hidden:
            break
        hidden |= grown
    derived = sup.derived_cells(rows, lambda row: follow, hidden)
    return sup.SuppressionResult(frozenset(primary), frozenset(hidden - primary), frozenset(derived))


def _finish_projection(rows: list[dict[str, Any]], result: sup.SuppressionResult, columns: Sequence[str],
                       **kw: Any) -> PublishedTable:
    """A PublishedTable through the MPS tables' `_finish`, with this module's suppression result."""
    table = _finish(rows=rows, columns=columns, rule=sup.static_rule((), ()), kinds=KINDS, **kw)
    table.suppression = result
    table.rows = sup.apply([{c: r.get(c) for c in columns} for r in rows], result.hidden)
    return table


def _base_month_note(con: duckdb.DuckDBPyConnection, mart: str, ctx: PackContext) -> tuple[bool, list[str]]:
    """(publish?, notes): the council's projection is published in the pack of its base month."""
    have = mart_columns(con, mart) or []
    where, params = for_council(have, ctx)
    base = con.execute(f"select max(base_month) from marts.demand_projection_annual {where}", params).fetchone()
    base_month = base[0] if base else None
    if base_month is None:
        return False, ["No projection: the warehouse has no base month for the council (or no SNPP population)."]
    label = base_month.strftime("%B %Y")
    if base_month != ctx.month:
        return False, [f"The projection is based on the latest month loaded, {label}: it is published in that "
                       "month's pack, not in an earlier month's."]
    return True, [f"Base month: {label} (the latest month loaded); base year {base_month.year}."]


# ---------------------------------------------------------------- tables
def demand_projection(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    publish, notes = _base_month_note(con, "demand_projection_annual", ctx)
    rows: list[dict[str, Any]] = []
    if publish:
        where, params = for_council(mart_columns(con, "demand_projection_annual") or [], ctx)
        rows = query(con, f"select {', '.join(DEMAND_COLUMNS)} from marts.demand_projection_annual {where}", params)
        rows += _all_ages_rows(rows)
        rows.sort(key=lambda r: (r["projection_year"], _order(r["care_ladder_rung"], TIER3_RUNGS),
                                 _order(r["age_band"], BAND_ORDER)))
    result = series_suppression(
        rows, people=DEMAND_PEOPLE, follow=DEMAND_FOLLOW,
        series=lambda r: (r["care_ladder_rung"], r["age_band"]), keys=("projection_year", "care_ladder_rung", "age_band"),
        groups=[sup.GroupSpec("age_band", ALL_AGES, DEMAND_PEOPLE, BANDS)])
    return _finish_projection(
        rows, result, DEMAND_COLUMNS, id=DEMAND_ID, sheet="Demand projection", filename="demand_projection.csv",
        title="Demand projection: people and annual cost by care-ladder rung and age band, to 15 years ahead",
        units="Population and people (projected people rounded to whole people); use rate per 1,000 population; "
              "money in pounds, base-year prices.",
        source="Source: council social care records at the base month and ONS subnational population projections, "
               "marts.demand_projection_annual.",
        notes=[*notes,
               "Projected people = today's use rate per 1,000 of the age band x the band's projected population; "
               "cost = projected people x today's average weekly cost x 365.25 / 7.",
               f"'{ALL_AGES}' rows sum the four age bands (people aged 18+).",
               "A rung and age band with 1-4 people at the base, or projected, is suppressed in every year ([c])."],
        people_columns=DEMAND_PEOPLE,
        groups_doc="Per rung and year: 18-64 + 65-74 + 75-84 + 85+ = All; a suppressed cell hides its rung and "
                   "age band in every year.",
    )


def _all_ages_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out: dict[tuple[Any, Any], dict[str, Any]] = {}
    for r in rows:
        key = (r["projection_year"], r["care_ladder_rung"])
        total = out.setdefault(key, {"projection_year": key[0], "care_ladder_rung": key[1], "age_band": ALL_AGES})
        for c in DEMAND_ADDITIVE:
            if r.get(c) is not None:
                total[c] = total.get(c, 0) + r[c]
    for t in out.values():
        users, pop = t.get("base_service_users"), t.get("base_population")
        t["use_rate_per_1000"] = users * 1000.0 / pop if users is not None and pop else None
        t["avg_weekly_cost"] = None  # an average over bands is not published (the bands' are)
    return list(out.values())


def scenarios(con: duckdb.DuckDBPyConnection, ctx: PackContext, demand: PublishedTable | None = None) -> PublishedTable:
    """`demand`: the pack's demand projection table when already built (else built here)."""
    publish, notes = _base_month_note(con, "scenario_projection_annual", ctx)
    rows: list[dict[str, Any]] = []
    baseline_hidden: set[tuple[str, str]] = set()
    if publish:
        where, params = for_council(mart_columns(con, "scenario_projection_annual") or [], ctx)
        rows = query(con, f"select {', '.join(SCENARIO_COLUMNS)} from marts.scenario_projection_annual {where}",
                     params)
        rows.sort(key=lambda r: (r["scenario"] != BASELINE, r["scenario"], r["projection_year"],
                                 _order(r["care_ladder_rung"], TIER3_RUNGS), _order(r["age_band"], BANDS)))
        demand = demand or demand_projection(con, ctx)
        baseline_hidden = {(str(demand.rows[i]["care_ladder_rung"]), str(demand.rows[i]["age_band"]))
                           for i, _ in demand.suppression.hidden}
    result = series_suppression(rows, people=SCENARIO_PEOPLE, follow=SCENARIO_FOLLOW,
                                series=lambda r: (r["scenario"], r["care_ladder_rung"], r["age_band"]),
                                linked=_scenario_links(rows, baseline_hidden))
    return _finish_projection(
        rows, result, SCENARIO_COLUMNS, id=SCENARIOS_ID, sheet="Scenarios", filename="scenarios.csv",
        title="Care-ladder shift scenarios against the baseline projection, by rung, age band and year",
        units="People (rounded to whole people) and annual cost in pounds, base-year prices; delta = scenario - baseline.",
        source="Source: the council's scenario files (scenarios/*.yml) and marts.scenario_projection_annual.",
        notes=[*notes,
               f"Scenario '{BASELINE}' is the demand projection; each other scenario moves a share of a rung's projected "
               "people to another rung from a year on, costed at that rung's average weekly cost.",
               "Suppressed ([c]): a rung and age band whose baseline is suppressed, or with 1-4 people in the scenario, "
               "in every year of that scenario."],
        people_columns=SCENARIO_PEOPLE, groups_doc="None (no published totals).",
    )


def _scenario_links(rows: Sequence[Mapping[str, Any]], baseline_hidden: set[tuple[str, str]]
                    ) -> Callable[[set[Hashable]], set[Hashable]]:
    """Series a hidden series makes hidden: the baseline's hidden rung x band in every scenario; in
    a scenario and band, the rungs that gain people when any rung that loses people is hidden."""
    names = {(r["scenario"], r["care_ladder_rung"], r["age_band"]) for r in rows}
    scenario_names = {r["scenario"] for r in rows}
    gaining: dict[tuple[str, str], set[str]] = {}
    losing: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        delta = svg.num(r.get("delta_service_users")) or 0.0
        side = gaining if delta > 0 else losing if delta < 0 else None
        if side is not None:
            side.setdefault((r["scenario"], r["age_band"]), set()).add(r["care_ladder_rung"])
    always = {(s, rung, band) for s in scenario_names for rung, band in baseline_hidden} & names

    def linked(hidden: set[Hashable]) -> set[Hashable]:
        out = set(always)
        for s, rung, band in (h for h in hidden if isinstance(h, tuple) and len(h) == 3):
            if s == BASELINE:
                out |= {(x, rung, band) for x in scenario_names} & names
            if rung in losing.get((s, band), set()):
                out |= {(s, g, band) for g in gaining.get((s, band), set())}
        return out

    return linked


# ---------------------------------------------------------------- report sections
def _cell(value: Any, kind: str) -> str:
    return f'<td class="n">{escape(display(value, kind))}</td>'


def demand_section(pack: Pack) -> str:
    """Projected people and cost by rung (all ages) from the base year to the horizon: a line
    chart of people per rung and a table of the base year against the horizon."""
    table = find(pack.mps, DEMAND_ID)
    if table is None or not table.rows:
        return empty(" ".join(table.notes) if table is not None else "The demand projection is not available.")
    rows = [r for r in table.rows if r["age_band"] == ALL_AGES]
    years = sorted({r["projection_year"] for r in rows})
    rungs = [g for g in TIER3_RUNGS if any(r["care_ladder_rung"] == g for r in rows)]
    by = {(r["care_ladder_rung"], r["projection_year"]): r for r in rows}
    series = [(rung, [by.get((rung, y), {}).get("projected_service_users") for y in years],
               RUNG_LINE_COLOURS[i % len(RUNG_LINE_COLOURS)]) for i, rung in enumerate(rungs)]
    chart = svg.line_chart("Projected people by care-ladder rung (all ages 18+)", years, series)
    first, last = years[0], years[-1]
    head = (f"<tr><th>Rung</th><th>People {first}</th><th>People {last}</th>"
            f"<th>Annual cost {first} (£)</th><th>Annual cost {last} (£)</th></tr>")
    body = "".join(
        f"<tr><td>{escape(rung)}</td>"
        + _cell(by.get((rung, first), {}).get("projected_service_users"), "count")
        + _cell(by.get((rung, last), {}).get("projected_service_users"), "count")
        + _cell(by.get((rung, first), {}).get("projected_annual_cost"), "money")
        + _cell(by.get((rung, last), {}).get("projected_annual_cost"), "money") + "</tr>"
        for rung in rungs)
    return (chart + f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"
            + empty(" ".join(table.notes)))


def scenario_section(pack: Pack) -> str:
    """Baseline against each scenario: total annual cost by year (money over every rung and band,
    never a count of people) and, at the horizon, each scenario's change in people and cost by rung."""
    table = find(pack.mps, SCENARIOS_ID)
    if table is None or not table.rows:
        return empty(" ".join(table.notes) if table is not None else "The scenarios are not available.")
    names = list(dict.fromkeys(r["scenario"] for r in table.rows))
    years = sorted({r["projection_year"] for r in table.rows})
    # totals over the rung x band x year cells whose cost every scenario publishes, so that the
    # lines compare like with like (a cell suppressed in any scenario is left out of all)
    left_out = {(r["care_ladder_rung"], r["age_band"], r["projection_year"]) for r in table.rows
                if isinstance(r.get("projected_annual_cost"), str)}
    totals = {(name, y): Decimal(0) for name in names for y in years}
    for r in table.rows:
        cost = r.get("projected_annual_cost")
        if cost is not None and (r["care_ladder_rung"], r["age_band"], r["projection_year"]) not in left_out:
            totals[(r["scenario"], r["projection_year"])] += Decimal(str(cost))
    series = [(name, [float(totals[(name, y)]) for y in years], RUNG_LINE_COLOURS[i % len(RUNG_LINE_COLOURS)])
              for i, name in enumerate(names)]
    chart = svg.line_chart("Total projected annual cost (£), baseline and scenarios", years, series)
    last = years[-1]
    first = years[0]
    summary = "".join(
        f"<tr><td>{escape(name)}</td>" + _cell(totals[(name, first)], "money") + _cell(totals[(name, last)], "money")
        + (_cell(totals[(name, last)] - totals[(BASELINE, last)], "money") if (BASELINE, last) in totals else "<td></td>")
        + "</tr>" for name in names)
    parts = [chart, empty("Totals leave out every rung, age band and year suppressed ([c]) in any scenario.")
             if left_out else "",
             f"<table><thead><tr><th>Scenario</th><th>Annual cost {first} (£)</th><th>Annual cost {last} (£)</th>"
             f"<th>Change against the baseline, {last} (£)</th></tr></thead><tbody>{summary}</tbody></table>"]
    for name in names:
        if name == BASELINE:
            continue
        rows = [r for r in table.rows if r["scenario"] == name and r["projection_year"] == last]
        rungs = sorted({r["care_ladder_rung"] for r in rows if r.get("delta_service_users") not in (0, 0.0)},
                       key=lambda g: _order(g, TIER3_RUNGS))
        lines = []
        for rung in rungs:
            mine = [r for r in rows if r["care_ladder_rung"] == rung]
            lines.append(f"<tr><td>{escape(rung)}</td>" + "".join(
                _cell(next((r.get("delta_service_users") for r in mine if r["age_band"] == b), None), "count")
                for b in BANDS) + _cell(_sum_or_marker(r.get("delta_annual_cost") for r in mine), "money") + "</tr>")
        parts.append(
            f"<h3>{escape(name)}</h3>" + empty(f"Change against the baseline in {last}, by rung and age band.")
            + "<table><thead><tr><th>Rung</th>" + "".join(f"<th>Change in people {b}</th>" for b in BANDS)
            + "<th>Change in annual cost (£)</th></tr></thead><tbody>" + "".join(lines) + "</tbody></table>")
    return "".join(parts) + empty(" ".join(table.notes))


def _sum_or_marker(values: Iterable[Any]) -> Any:
    vals = list(values)
    if any(isinstance(v, str) for v in vals):
        return sup.SUPPRESSED
    return sum((Decimal(str(v)) for v in vals if v is not None), Decimal(0))
