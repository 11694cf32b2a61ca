"""The report's Market Position Statement sections (issue 30; the B&NES MPS is the model): the month's
warnings, unit costs, client base, older people's services, providers and out-of-area placements,
CQC locations and beds, openings and closures, care-home admissions, DPS lot demand, demography.
Each renders published (suppressed) tables only; `month_warnings` reads the audit table."""
from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import duckdb

from orchestration.pack import svg
from orchestration.pack.report_format import (display, empty, figures_behind, find, html_table, published_table, pv,
                                              row_of)
from orchestration.pack.report_trends import unit_cost_rows
from orchestration.pack.tables import (DIRECT_PAYMENTS, ENGLAND_NOTE, NATIONAL_COMPARATORS_FILE, PackContext,
                                       PublishedTable)
from sources.contracts import NATIONAL_COMPARATOR_MEASURES

if TYPE_CHECKING:
    from orchestration.pack.publish import Pack

YEAR_COLOURS = ("#9fb3d1", "#4f7cac", "#1f4e79")
# age band -> the ASCOF measure of its admissions rate (18-64: ASCOF 2B, 65+: ASCOF 2C)
ADMISSION_MEASURES = {band: measure for measure, band in NATIONAL_COMPARATOR_MEASURES.items()}


def month_warnings(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> list[dict[str, Any]] | None:
    """The council-month's failed WARN checks (audit.check_results), or None when the warehouse
    has no check results (a pack built from marts alone)."""
    found = con.execute("select 1 from information_schema.tables where table_catalog = current_database() and "
                        "table_schema = 'audit' and table_name = 'check_results'").fetchall()
    if not found:
        return None
    rows = con.execute(
        """select name, file, "column", message from audit.check_results
           where council_code = ? and month = ? and severity = 'WARN' and not passed and not coalesce(skipped, false)
           order by name""", [ctx.council, ctx.month]).fetchall()
    return [{"name": n, "file": f, "column": c, "message": m} for n, f, c, m in rows]


def warnings_section(pack: Pack) -> str:
    if pack.warnings is None:
        return empty("No data-quality results are held with these marts, so no warning can be listed.")
    if not pack.warnings:
        return empty(f"No warning check failed for {pack.ctx.period_label}: every check passed.")
    # A check's message can quote a line of the file (an agreement id, a rate): it stays in the
    # owner-only data-quality report; the published page names the check, the file and the column.
    rows = [[w["name"], w["file"] or "", w["column"] or ""] for w in pack.warnings]
    return (f'<p class="note">{len(pack.warnings)} warning check(s) failed for {pack.ctx.period_label}. '
            "Warnings do not block publication; the figures they touch may be less certain. What each check found, "
            "with example lines, is in the month's data-quality report (kept with the warehouse, not published).</p>"
            + html_table(["Check", "File", "Column"], rows))


def care_ladder_table(pack: Pack) -> str:
    rows = unit_cost_rows(find(pack.mps, "care_ladder"))
    if not rows:
        return empty("No Tier 3 care ladder rows for this month.")
    return html_table(["Rung (Tier 3, all ages)", "Service users", "Weekly cost", "Weekly cost per person"], rows,
                      [False, True, True, True], caption="Unit cost: the rung's weekly cost of active services "
                      "divided by its service users at the month's last day.")


def client_base_section(pack: Pack) -> str:
    table = find(pack.mps, "client_base")
    if table is None or not table.rows:
        return empty("No client base figures are published for this period.")
    years = sorted({str(r["financial_year"]) for r in table.rows})
    cats = [str(r["client_category"]) for r in table.rows if str(r["financial_year"]) == years[-1]
            and r["client_category"] != "Total"]
    series = [(fy, [pv((row_of(table, financial_year=fy, client_category=c) or {}).get("people"), "count") for c in cats],
               YEAR_COLOURS[-len(years):][i]) for i, fy in enumerate(years)]
    chart = svg.grouped_hbars("Client base: people with long-term support by client category and financial year",
                              cats, series, suffix="", decimals=0, label_width=260)
    return chart + published_table(table, ["financial_year", "status", "client_category", "people", "package_cost",
                                           "average_cost"])


def older_people_section(pack: Pack) -> str:
    table = find(pack.mps, "older_people_service_type")
    if table is None or not table.rows:
        return empty("No figures for older people by service type are published for this period.")
    group = next(c.name for c in table.columns if c.name not in ("financial_year", "status", "people", "package_cost",
                                                                   "average_cost", "revised"))
    return published_table(table, ["financial_year", "status", group, "people", "package_cost", "average_cost"])


def providers_section(pack: Pack) -> str:
    """Providers per market, how many are based in the area, and out-of-area placements; the Direct
    Payments market counts recipients (people), and says so."""
    table = find(pack.mps, "provider_concentration")
    if table is None or not table.rows:
        return empty("No provider figures for this month.")
    rows = []
    for r in table.rows:
        providers, local = r.get("providers"), r.get("providers_in_area")
        share = "[z]"
        if svg.num(providers) and svg.num(local) is not None:
            share = display(svg.num(local) / svg.num(providers) * 100, "pct")  # type: ignore[operator]
        elif providers in ("[c]", "[x]"):
            share = str(providers)
        who = "recipient" if r["care_ladder_rung"] == DIRECT_PAYMENTS else "provider"
        plural = "" if svg.num(providers) == 1 else "s"
        rows.append([str(r["care_ladder_rung"]), f"{display(providers, 'count')} {who}{plural}", display(local, "count"),
                     share, display(r.get("out_of_area_placements"), "count"), display(r.get("spend"), "money"),
                     str(r.get("market_note") or "")])
    return html_table(["Market (rung)", "Providers with spend", "Based in the area", "% based in the area",
                       "Out-of-area placements", "Spend in the month", "Note"], rows,
                      [False, True, True, True, True, True, False])


def cqc_locations_section(pack: Pack) -> str:
    table = find(pack.mps, "cqc_market")
    if table is None or not table.rows:
        return empty("No CQC market figures for this month.")
    cols = [c for c in ("service_type", "locations", "beds", "rated_locations", "pct_good_or_better")
            if any(col.name == c for col in table.columns)]
    council = [r for r in table.rows if str(r.get("area_code")) == pack.ctx.council]
    areas: dict[str, list[float]] = {}
    for r in table.rows:
        total = areas.setdefault(str(r.get("area_name") or r.get("area_code")), [0.0, 0.0])
        total[0] += svg.num(r.get("locations")) or 0.0
        total[1] += svg.num(r.get("beds")) or 0.0
    summary = html_table(["Area", "Locations (all service types)", "Beds"],
                         [[a, display(v[0], "count"), display(v[1], "count")] for a, v in areas.items()],
                         [False, True, True], caption="All registered locations and beds by area.")
    return summary + "<h3>The council area by service type</h3>" + published_table(table, cols, council)


def market_changes_section(pack: Pack) -> str:
    table = find(pack.mps, "cqc_market_changes")
    if table is None:
        return empty("Openings and closures are not available in this warehouse.")
    if not table.rows:
        return empty(f"No CQC-registered location opened or closed in the council area in {pack.ctx.period_label}.")
    opened = {str(r.get("location_id")) for r in table.rows if r.get("change") == "opened"}
    closed = {str(r.get("location_id")) for r in table.rows if r.get("change") == "closed"}
    beds = {ch: sum(svg.num(r.get("beds")) or 0.0 for r in table.rows if r.get("change") == ch)
            for ch in ("opened", "closed")}
    cols = [c.name for c in table.columns if c.name in ("change", "location_name", "service_type", "beds")]
    return (f'<p class="note">{len(opened)} location(s) opened ({display(beds["opened"], "count")} beds) and '
            f'{len(closed)} closed ({display(beds["closed"], "count")} beds) in {pack.ctx.period_label}. '
            "A location with two service types has a row for each.</p>" + published_table(table, cols))


def admissions_section(pack: Pack) -> str:
    table = find(pack.mps, "care_home_admissions")
    if table is None or not table.rows:
        return empty("No care-home admissions are published for this period.")
    cols = [c.name for c in table.columns if c.name in ("financial_year", "status", "age_band", "admissions",
                                                         "population", "per_100k", "england_per_100k")]
    bench = find(pack.mps, "benchmark")
    compare = [r for r in (bench.rows if bench else []) if r.get("measure_code") == "CARE_HOME_ADMISSIONS_PER_100K"]
    if compare:
        rows = [[str(r["age_band"]), str(r["peer_group_name"]), display(r.get("value"), "rate"),
                 display(r.get("peer_median"), "rate")] for r in compare]
        against = html_table(["Age band", "Compared with", "Council per 100,000", "Median per 100,000"], rows,
                             [False, False, True, True])
    else:
        against = empty("No peer group of 3 or more councils is benchmarked: the comparison with other councils is "
                        "not shown.")
    return (published_table(table, cols) + "<h3>Against England</h3>" + against_england(table)
            + "<h3>Against other councils</h3>" + against)


def against_england(table: PublishedTable) -> str:
    """The council's rate beside England's for the same financial year and age band (ASCOF 2B 18-64, 2C 65+):
    a sentence for the latest year, a chart per age band over the published years, and the sources. A year
    without England's row says so: no other year's figure stands in for it."""
    if not any(c.name == "england_per_100k" for c in table.columns):
        return empty(f"England's rate is not held in this warehouse ({NATIONAL_COMPARATORS_FILE} is not built "
                     "into these marts): the comparison with England is not shown.")
    years = sorted({str(r["financial_year"]) for r in table.rows})
    latest = years[-1]
    sentences = []
    for band, measure in ADMISSION_MEASURES.items():
        row = row_of(table, financial_year=latest, age_band=band)
        if row is None:
            continue
        council = display(row.get("per_100k"), "rate")
        if row.get("england_per_100k") is None:
            sentences.append(f"{band} ({measure}), {latest}: the council {council} per 100,000; England's figure for "
                             f"{latest} is not held ({NATIONAL_COMPARATORS_FILE} has no {measure} row for {latest}).")
        else:
            sentences.append(f"{band} ({measure}), {latest}: the council {council} per 100,000, England "
                             f"{display(row.get('england_per_100k'), 'rate')}.")
    note = next((n for n in table.notes if n.startswith(ENGLAND_NOTE)), "")
    charts = []
    for band, measure in ADMISSION_MEASURES.items():
        rows = [row_of(table, financial_year=y, age_band=band) for y in years]
        if not any(rows):
            continue
        council = [pv(r.get("per_100k"), "rate") if r else None for r in rows]
        england = [pv(r.get("england_per_100k"), "rate") if r else None for r in rows]
        charts.append(svg.grouped_hbars(
            f"Permanent admissions {band} per 100,000 ({measure}): the council and England", years,
            [("Council", council, YEAR_COLOURS[2]), ("England", england, "#c55a11")],
            suffix="", decimals=1, label_width=120))
        charts.append(figures_behind(f"The figures behind the chart ({band}, per 100,000)",
                                     ["Financial year", "Council", "England"],
                                     [[y, display(r.get("per_100k"), "rate") if r else "[z]",
                                       display(r.get("england_per_100k"), "rate") if r and r.get("england_per_100k")
                                       is not None else "not held"] for y, r in zip(years, rows)],
                                     [False, True, True]))
    return ("".join(f'<p class="note">{escape(t)}</p>' for t in sentences) + "".join(charts)
            + (f'<p class="note">{escape(note)}</p>' if note else ""))


def dps_section(pack: Pack) -> str:
    table = find(pack.mps, "dps_lot_demand")
    if table is None or not table.rows:
        return empty("No DPS lot demand for this month.")
    measure = next((c.name for c in table.columns if c.name == "packages"), None)
    labels = [" / ".join(str(r.get(c.name)) for c in table.columns if c.kind == "text" and c.name != "revised")
              for r in table.rows]
    chart = ""
    if measure:
        chart = svg.grouped_hbars("DPS demand: packages by lot", labels,
                                  [("Packages (people)", [pv(r.get(measure), "count") for r in table.rows], "#1f4e79")],
                                  suffix="", decimals=0, label_width=420)
    return chart + published_table(table, [c.name for c in table.columns if c.name != "revised"])


def demography_section(pack: Pack) -> str:
    table = find(pack.mps, "demography")
    if table is None or not table.rows:
        return empty("No demography figures available.")
    return published_table(table, [c.name for c in table.columns if c.name != "area_code"])


def population_alt(table: PublishedTable | None, council: str) -> str:
    """The projections chart's figures (its text alternative)."""
    if table is None or not table.rows:
        return ""
    rows = [r for r in table.rows if str(r.get("area_code")) == council] or table.rows
    cols = [c for c in ("pop_65_plus", "pop_75_plus", "pop_85_plus") if any(x.name == c for x in table.columns)]
    return figures_behind("The figures behind the chart (people)", ["Year", *[c[4:].replace("_plus", "+") for c in cols]],
                          [[str(r.get("year")), *[display(r.get(c), "count") for c in cols]] for r in rows],
                          [False, *[True] * len(cols)])
