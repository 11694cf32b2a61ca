"""The report's original chart sections (KPIs, care ladder mix, concentration, CQC ratings, population)
and its headline cards, drawn only from the published (suppressed) tables."""
from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from orchestration.pack import svg
from orchestration.pack.report_format import display, empty as _empty, find as _find, month_label as _month_label, pv
from orchestration.pack.report_format import row_of as _row
from orchestration.pack.rounding import REVISED
from orchestration.pack.tables import AGE_ORDER, NOTE_NONE, NOTE_SINGLE, TIER3_RUNGS, TIER3_TOTAL, PublishedTable

if TYPE_CHECKING:
    from orchestration.pack.publish import Pack

SPEND, ACTIVITY = "#1f4e79", "#e07b39"
RATINGS = (("Outstanding", "#1b7837"), ("Good", "#5aae61"), ("Requires improvement", "#f5c242"),
           ("Inadequate", "#c0392b"))
RAG_COLOURS = {"Green": ("#d8f0dd", "#1b5e20"), "Amber": ("#fdebc8", "#7a4b00"), "Red": ("#f9d6d5", "#8e1b17")}
POP_SERIES = (("pop_65_plus", "65+", "#1f4e79"), ("pop_75_plus", "75+", "#e07b39"), ("pop_85_plus", "85+", "#2a9d8f"))


RAG_SYMBOLS = {"Green": "\u25cf", "Amber": "\u25b2", "Red": "\u25a0"}  # circle, triangle, square: not colour alone


def rag_badge(rag: Any) -> str:
    text = "[z]" if rag is None else str(rag)
    bg, fg = RAG_COLOURS.get(text, ("#e4e7eb", "#3e4c59"))
    symbol = RAG_SYMBOLS.get(text, "")
    mark = f'<span aria-hidden="true">{symbol} </span>' if symbol else ""
    return f'<span class="rag" style="background:{bg};color:{fg}">{mark}{escape(text)}</span>'


def kpi_section(month: PublishedTable, series: PublishedTable) -> str:
    from orchestration.pack.report import revised_columns

    kinds = {c.name: c for c in month.columns}
    if not month.rows:
        return _empty("No KPI values for this month.")
    trend: dict[tuple[str, str], list[tuple[Any, Any]]] = {}
    for r in series.rows:
        trend.setdefault((r["kpi_code"], r["age_band"]), []).append((r["month"], r.get("value")))
    lines = ['<table class="data"><thead><tr><th scope="col">KPI</th><th scope="col">Age band</th>'
             '<th scope="col" class="n">Value</th><th scope="col" class="n">Target</th>'
             '<th scope="col">Direction</th><th scope="col">RAG</th><th scope="col">Trend</th></tr></thead><tbody>']
    for r in month.rows:
        kind = kinds["value"].kind_for(r)
        points = trend.get((r["kpi_code"], r["age_band"]), [])
        span = f"{_month_label(points[0][0])} - {_month_label(points[-1][0])}" if points else ""
        target = display(r.get("target"), kind) if "target" in kinds else "[z]"
        revised = f" {REVISED}" if "value" in revised_columns(r) else ""
        shown = ", ".join(f"{_month_label(m)} {display(v, kind)}" for m, v in points)
        lines.append(
            f"<tr><td>{escape(str(r['kpi']))}</td><td>{escape(str(r['age_band']))}</td>"
            f'<td class="n">{escape(display(r.get("value"), kind) + revised)}</td><td class="n">{escape(target)}</td>'
            f"<td>{escape(str(r.get('direction') or '[z]'))}</td><td>{rag_badge(r.get('rag'))}</td>"
            f'<td title="{escape(span)}">{svg.sparkline([v for _, v in points])}'
            f'<span class="sr">Trend: {escape(shown)}</span></td></tr>')
    lines.append("</tbody></table>")
    return "".join(lines)


def care_ladder_chart(table: PublishedTable | None) -> str:
    if table is None:
        return _empty("The care ladder is not available.")
    rows = [r for r in table.rows if r["age_band"] == "All" and r["care_ladder_rung"] in TIER3_RUNGS]
    if not rows:
        bands = sorted({r["age_band"] for r in table.rows}, key=lambda b: AGE_ORDER.index(b) if b in AGE_ORDER else 9)
        rows = [r for r in table.rows if bands and r["age_band"] == bands[-1] and r["care_ladder_rung"] in TIER3_RUNGS]
    if not rows:
        return _empty("No Tier 3 care ladder rows for this month.")
    cats = [r["care_ladder_rung"] for r in rows]
    return svg.grouped_hbars(
        "Care ladder: share of Tier 3 spend and of Tier 3 activity by rung", cats,
        [("% of spend", [pv(r.get("pct_spend"), "pct") for r in rows], SPEND),
         ("% of activity (service users)", [pv(r.get("pct_activity"), "pct") for r in rows], ACTIVITY)])


def concentration_chart(table: PublishedTable | None) -> str:
    if table is None or not table.rows:
        return _empty("No provider concentration figures for this month.")
    cats = [r["care_ladder_rung"] for r in table.rows]
    no_market = {NOTE_SINGLE: "single provider", NOTE_NONE: "no provider"}

    def value(r: dict[str, Any], col: str, kind: str) -> Any:
        """A market of fewer than 2 providers says so instead of drawing [z] (tables.coherent_market)."""
        return no_market.get(str(r.get("market_note") or "")) or pv(r.get(col), kind)

    return svg.hbars_panels(
        "Provider concentration by market: top-5 share and HHI", cats,
        [("Top 5 providers' share of spend", [value(r, "top5_share_pct", "pct") for r in table.rows],
          SPEND, 100.0, "%", 1, []),
         ("HHI (0-10,000)", [value(r, "hhi", "index") for r in table.rows], ACTIVITY, 10000.0, "", 0,
          [(1500.0, "moderate 1,500+"), (2500.0, "high 2,500+")])])


def rating_columns(table: PublishedTable) -> dict[str, str]:
    """Rating -> column holding the count of locations with that Overall rating."""
    found: dict[str, str] = {}
    names = [c.name for c in table.columns]
    for rating, _ in RATINGS:
        token = rating.lower().replace(" ", "_")
        for n in names:
            low = n.lower()
            if token in low and "pct" not in low and "or_better" not in low and "share" not in low:
                found[rating] = n
                break
    return found


def cqc_chart(table: PublishedTable | None, council: str) -> str:
    if table is None or not table.rows:
        return _empty("No CQC market figures for this month.")
    cols = rating_columns(table)
    if len(cols) < len(RATINGS):
        return _empty("The CQC market table has no counts by Overall rating.")
    areas: list[tuple[str, str]] = []
    for r in table.rows:
        key = (str(r["area_code"]), str(r.get("area_name") or r["area_code"]))
        if key not in areas:
            areas.append(key)
    services: list[str] = []
    for r in table.rows:
        if r["service_type"] not in services:
            services.append(str(r["service_type"]))

    def counts(rows: list[dict[str, Any]]) -> list[float]:
        return [sum(svg.num(r.get(cols[name])) or 0.0 for r in rows) for name, _ in RATINGS]

    groups = [("All service types", [(name, counts([r for r in table.rows if str(r["area_code"]) == code]))
                                     for code, name in areas])]
    for service in services[:6]:
        groups.append((service, [(name, counts([r for r in table.rows if str(r["area_code"]) == code
                                               and r["service_type"] == service])) for code, name in areas]))
    return svg.stacked_100("CQC Overall ratings mix: council area, region and England", groups, RATINGS)


def population_chart(table: PublishedTable | None, council: str) -> str:
    if table is None or not table.rows:
        return _empty("No population projections available.")
    codes = [str(r["area_code"]) for r in table.rows]
    code = council if council in codes else codes[0]
    rows = [r for r in table.rows if str(r["area_code"]) == code]
    series = [(label, [pv(r.get(col), "count") for r in rows], color) for col, label, color in POP_SERIES
              if any(c.name == col for c in table.columns)]
    name = rows[0].get("area_name") or code
    return svg.line_chart(f"Projected older population, {name}", [r["year"] for r in rows], series)


def headlines(pack: Pack) -> str:
    """Four headline figures, each from a published table (markers shown as published)."""
    ladder = _find(pack.mps, "care_ladder")
    total = _row(ladder, care_ladder_rung=TIER3_TOTAL, age_band="All") or {}
    home = _row(ladder, care_ladder_rung="Home Care", age_band="All") or {}
    users = [_row(pack.kpi_month, kpi_code="LTC_USERS", age_band=b) or {} for b in ("18-64", "65+")]
    user_values = [u.get("value") for u in users]
    if all(svg.num(v) is not None for v in user_values):
        people = display(sum(svg.num(v) or 0 for v in user_values), "count")
    else:
        people = " / ".join(display(v, "count") for v in user_values)
    cqc = _find(pack.mps, "cqc_market")
    quality = "[z]"
    if cqc is not None:
        cols = rating_columns(cqc)
        rows = [r for r in cqc.rows if str(r.get("area_code")) == pack.ctx.council]
        rated = sum(svg.num(r.get(cols.get(n, ""))) or 0.0 for r in rows for n, _ in RATINGS) if cols else 0
        good = sum(svg.num(r.get(cols.get(n, ""))) or 0.0 for r in rows for n in ("Outstanding", "Good")) if cols else 0
        quality = display(good / rated * 100, "pct") if rated else "[z]"
    cards = [
        (people, "people in long-term care (KPI LTC_USERS, 18-64 and 65+)"),
        (display(total.get("spend"), "money"), "committed Tier 3 spend in the month"),
        (display(home.get("weekly_hours"), "count"), "planned home care hours per week"),
        (quality, "of rated CQC locations in the area are Good or Outstanding"),
    ]
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="big">{escape(v)}</div><div class="small">{escape(t)}</div></div>'
        for v, t in cards) + "</div>"


