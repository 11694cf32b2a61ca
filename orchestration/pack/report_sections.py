"""The sections of report.html, in page order: a registry.

Each `Section` names its heading, a short "how to read this", the published tables it draws on
(their source lines and "data as at" are printed under it) and a function `Pack -> HTML`. To add a
section, add one line to `SECTIONS` (or call `register(Section(...), after="...")` from a module of
your own that report.py's caller imports); report.py prints them in order, with an id each
(`<section id=...>`), a contents list, and checks nothing else.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from orchestration.pack import benchmark, report_charts, report_mps, report_trends, projections, statutory, svg
from orchestration.pack.report_format import display, empty, figures_behind, find
from orchestration.pack.tables import TIER3_RUNGS, PublishedTable

if TYPE_CHECKING:
    from orchestration.pack.publish import Pack


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    how_to_read: str
    render: Callable[[Pack], str]
    tables: tuple[str, ...] = ()  # published tables drawn on: their source and "data as at" under the section
    source: str = ""  # the source line of a section drawn from no published table


def as_at_label(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


ANNUAL = ("client_base", "older_people_service_type", "care_home_admissions")
RELEASES = {"demography": "ONS Census 2021 and mid-year estimates", "population_projections": "the ONS projections held"}


def as_at(pack: Pack, table: PublishedTable) -> str:
    """'Data as at' of a table: the month's last day, the 31 March ending its latest financial year,
    or the release of a static ONS table."""
    if table.id in RELEASES:
        return RELEASES[table.id]
    if table.id in ANNUAL:
        years = sorted({str(r.get("financial_year")) for r in table.rows if r.get("financial_year")})
        return f"31 March {int(years[-1][:4]) + 1} (financial year {years[-1]})" if years else "no financial year"
    return as_at_label(pack.ctx.month_end)


def source_lines(pack: Pack, section: Section) -> str:
    lines = []
    for table_id in section.tables:
        table = pack.kpi_month if table_id == "kpi_month" else find(pack.mps, table_id)
        if table is None:
            continue
        text = table.source.removeprefix("Source: ").rstrip(".")
        where = f" ({table.filename})" if table.filename else " (kpi_pack.xlsx)"
        lines.append(f"Source: {text}{where}. Data as at {as_at(pack, table)}.")
    if section.source:
        lines.append(f"Source: {section.source} Data as at {as_at_label(pack.ctx.month_end)}.")
    if not lines:
        lines.append(f"Source: {', '.join(section.tables)}, not published in this pack. "
                     f"Data as at {as_at_label(pack.ctx.month_end)}.")
    return "".join(f'<p class="source">{escape(line)}</p>' for line in lines)


# ---------------------------------------------------------------- section bodies built from several parts
def _kpis(pack: Pack) -> str:
    return report_charts.kpi_section(pack.kpi_month, pack.kpi_series)


def _care_ladder(pack: Pack) -> str:
    table = find(pack.mps, "care_ladder")
    rows = [r for r in (table.rows if table else []) if r["age_band"] == "All" and r["care_ladder_rung"] in TIER3_RUNGS]
    alt = figures_behind("The figures behind the chart (% of Tier 3, all ages)", ["Rung", "% of spend", "% of activity"],
                         [[str(r["care_ladder_rung"]), display(r.get("pct_spend"), "pct"),
                           display(r.get("pct_activity"), "pct")] for r in rows], [False, True, True])
    return report_charts.care_ladder_chart(table) + (alt if rows else "") + report_mps.care_ladder_table(pack)


def _trend(chart: Callable[[report_trends.LadderTrend], str]) -> Callable[[Pack], str]:
    def render(pack: Pack) -> str:
        if pack.trend is None:
            return empty("The trend is not available for this pack.")
        return chart(pack.trend)
    return render


def _concentration(pack: Pack) -> str:
    table = find(pack.mps, "provider_concentration")
    chart = report_charts.concentration_chart(table)
    if table is None or not table.rows:
        return chart
    rows = [[str(r["care_ladder_rung"]), display(r.get("top5_share_pct"), "pct"), display(r.get("hhi"), "index"),
             display(r.get("largest_supplier_share_pct"), "pct"), display(r.get("single_supplier_dependency"), "flag"),
             str(r.get("market_note") or "")] for r in table.rows]
    return chart + figures_behind("The figures behind the chart", ["Market", "Top 5 share", "HHI", "Largest share",
                                                                   "Dependency on one provider", "Note"],
                                  rows, [False, True, True, True, False, False])


def _cqc_quality(pack: Pack) -> str:
    table = find(pack.mps, "cqc_market")
    chart = report_charts.cqc_chart(table, pack.ctx.council)
    if table is None or not table.rows:
        return chart
    cols = report_charts.rating_columns(table)
    if len(cols) < len(report_charts.RATINGS):
        return chart
    areas: dict[str, list[float]] = {}
    for r in table.rows:
        counts = areas.setdefault(str(r.get("area_name") or r.get("area_code")), [0.0] * len(cols))
        for i, (name, _) in enumerate(report_charts.RATINGS):
            counts[i] += svg.num(r.get(cols[name])) or 0.0
    names = [n for n, _ in report_charts.RATINGS]
    return chart + figures_behind("The figures behind the chart (rated locations, all service types)", ["Area", *names],
                                  [[a, *[display(v, "count") for v in c]] for a, c in areas.items()],
                                  [False, *[True] * len(names)])


def _population(pack: Pack) -> str:
    table = find(pack.mps, "population_projections")
    return report_charts.population_chart(table, pack.ctx.council) + report_mps.population_alt(table, pack.ctx.council)


def _benchmark(pack: Pack) -> str:
    return benchmark.report_section(find(pack.mps, "benchmark"), pack.benchmark_note, pack.council_name)


TREND_SOURCE = (f"council social care records, marts.care_ladder_monthly: each month up to this one (at most "
                f"{report_trends.MAX_TREND_MONTHS}), suppressed as that month's Table 1.")

SECTIONS: list[Section] = [
    Section("kpis", "Key performance indicators",
            "Each KPI against the council's target for the age band. Direction says whether a higher or a lower value "
            "is better; RAG reads the target in that direction: Green meets it, Amber misses it by at most 10% of the "
            "target, Red misses it by more. The trend covers every month published up to this one (a gap is a "
            "suppressed month, or one not published: [x]).", _kpis, ("kpi_month",)),
    Section("warnings", "Data-quality warnings this month",
            "Checks of the month's files that failed at WARN level: they did not block publication, but the figures "
            "they touch may be less certain. Blocking checks never reach a published pack.",
            lambda pack: report_mps.warnings_section(pack),
            source="the warehouse's check results (audit.check_results) for the council and month."),
    Section("care-ladder", "The care ladder: where the money goes and where the people are",
            "Share of Tier 3 (long-term) spend against share of Tier 3 service users, all ages: a rung whose spend share "
            "is well above its people share is a high-cost setting. The table gives each rung's unit cost (weekly cost "
            "per person).", _care_ladder, ("care_ladder",)),
    Section("ladder-trend", "The care ladder over time",
            "Service users in each Tier 3 rung at each month's last day. A rising line is a growing setting; a gap is a "
            "suppressed or unpublished month.", _trend(report_trends.people_chart), source=TREND_SOURCE),
    Section("spend-trend", "Spend over time",
            "Committed spend in each month by Tier 3 rung (weekly cost x days active / 7): months of 31 days are "
            "about 10% above February.", _trend(report_trends.spend_chart), source=TREND_SOURCE),
    Section("unit-cost-trend", "Unit costs over time",
            "Weekly cost per person in each Tier 3 rung (the rung's weekly cost / its service users). A rung whose "
            "people are suppressed has no unit cost that month.", _trend(report_trends.unit_cost_chart),
            source=TREND_SOURCE),
    Section("client-base", "Client base and spend by client group",
            "People with long-term support on 31 March and the committed cost of their packages in the financial "
            "year, by client group (MPS table 2.4). A part year says how many months were loaded.",
            lambda pack: report_mps.client_base_section(pack), ("client_base",)),
    Section("older-people", "Older people's services",
            "People aged 65+ with long-term support by service type; a person with two types counts in both.",
            lambda pack: report_mps.older_people_section(pack), ("older_people_service_type",)),
    Section("providers", "Providers, local providers and out-of-area placements",
            "Providers paid in each market this month, how many are based in the council's area, and placements "
            "outside it. In Direct Payments the people paid are the recipients, so they are counted as recipients "
            "(and suppressed as people).", lambda pack: report_mps.providers_section(pack), ("provider_concentration",)),
    Section("concentration", "How concentrated is each market?",
            "Top-5 share: the five largest providers' share of the council's spend in the market. HHI above 2,500 "
            "(red band) is highly concentrated; 1,500-2,500 (amber band) moderately. A market with one provider says "
            "'single provider': it has no concentration to measure.", _concentration, ("provider_concentration",)),
    Section("cqc-locations", "CQC-registered locations and beds",
            "Every location registered with CQC in the area, its region and England, and the council area's locations, "
            "beds and share rated Good or Outstanding by service type.",
            lambda pack: report_mps.cqc_locations_section(pack), ("cqc_market",)),
    Section("cqc-quality", "Quality of the registered care market",
            "Locations by CQC Overall rating (of rated locations), the council area against its region and England.",
            _cqc_quality, ("cqc_market",)),
    Section("market-changes", "Openings and closures",
            "Locations in this month's CQC file and not last month's (opened), or the reverse (closed).",
            lambda pack: report_mps.market_changes_section(pack), ("cqc_market_changes",)),
    Section("admissions", "Permanent admissions to care homes",
            "People whose permanent residential or nursing care started in the financial year, per 100,000 of the "
            "population (ASCOF 2B/2C), beside England's rate for the same year when the council's reference file "
            "holds it: lower is better.", lambda pack: report_mps.admissions_section(pack),
            ("care_home_admissions",)),
    Section("dps", "Dynamic Purchasing System: demand by lot",
            "Packages (one per person) active in the month in each DPS lot: where demand for commissioned services is.",
            lambda pack: report_mps.dps_section(pack), ("dps_lot_demand",)),
    Section("demography", "Demography",
            "The council's population, the share disabled under the Equality Act, and growth since 2011, against its "
            "region and England.", lambda pack: report_mps.demography_section(pack), ("demography",)),
    Section("population", "An ageing population",
            "ONS subnational population projections of people 65+, 75+ and 85+ in the council area.", _population,
            ("population_projections",)),
    Section("benchmark", "How the council compares with other councils",
            "The council's value (dot) against the middle half of its peer councils' values (box, from the lower to "
            f"the upper quartile) and their median (line), for peer groups of at least {benchmark.MIN_PEER_COUNCILS} "
            "councils; rank 1 = best. Other councils' own values are not shown.", _benchmark, ("benchmark",)),
    Section("demand", projections.DEMAND_HEADING, projections.DEMAND_LEAD, projections.demand_section,
            ("demand_projection",)),
    Section("scenarios", projections.SCENARIO_HEADING, projections.SCENARIO_LEAD, projections.scenario_section,
            ("scenarios",)),
    Section("statutory", "Statutory returns preview: NHS England's CLD method and ours",
            "SALT LTS001a/b and ASCOF 2B/2C computed the way NHS England computes them from Client Level Data, beside "
            "ours; then why the ASCOF figures differ (admissions counted by one method and not the other, by reason). "
            "Shown for each financial year whose March is loaded.",
            lambda pack: statutory.report_section(pack.mps), ("statutory_returns", "statutory_reconciliation")),
]


def register(section: Section, *, after: str | None = None) -> None:
    """Add a section (after the section `after`, or last); a section of the same id is replaced."""
    SECTIONS[:] = [s for s in SECTIONS if s.id != section.id]
    ids = [s.id for s in SECTIONS]
    SECTIONS.insert(ids.index(after) + 1 if after in ids else len(SECTIONS), section)


def rendered(pack: Pack) -> list[tuple[str, str, str]]:
    """(id, heading, HTML) of every section, in order."""
    out = []
    for s in SECTIONS:
        body = (f'<section id="{escape(s.id)}" data-section="{escape(s.id)}"><h2>{escape(s.heading)}</h2>'
                f'<p class="howto"><strong>How to read this:</strong> {escape(s.how_to_read)}</p>'
                f"<figure>{s.render(pack)}</figure>{source_lines(pack, s)}</section>")
        out.append((s.id, s.heading, body))
    return out
