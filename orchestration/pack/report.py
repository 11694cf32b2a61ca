"""report.html: one self-contained page (inline CSS and SVG, no scripts, no external files) drawn only
from the *published* (suppressed) tables, so it shows nothing the CSVs do not."""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING, Any

from orchestration.pack import benchmark, projections, svg
from orchestration.pack.rounding import NOT_PUBLISHED, REVISED, published_value
from orchestration.pack.suppression import SUPPRESSED
from orchestration.pack.tables import AGE_ORDER, NA_NOTE, SUPPRESSION_NOTE, TIER3_RUNGS, TIER3_TOTAL, PublishedTable

if TYPE_CHECKING:
    from orchestration.pack.publish import Pack

SPEND, ACTIVITY = "#1f4e79", "#e07b39"
RATINGS = (("Outstanding", "#1b7837"), ("Good", "#5aae61"), ("Requires improvement", "#f5c242"),
           ("Inadequate", "#c0392b"))
RAG_COLOURS = {"Green": ("#d8f0dd", "#1b5e20"), "Amber": ("#fdebc8", "#7a4b00"), "Red": ("#f9d6d5", "#8e1b17")}
POP_SERIES = (("pop_65_plus", "65+", "#1f4e79"), ("pop_75_plus", "75+", "#e07b39"), ("pop_85_plus", "85+", "#2a9d8f"))

CSS = """
body{font-family:Arial,Helvetica,'Liberation Sans',sans-serif;color:#1f2933;margin:0;background:#f4f6f8}
main{max-width:980px;margin:0 auto;padding:24px 32px 48px;background:#fff}
header{border-bottom:4px solid #1f4e79;margin-bottom:12px}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:19px;margin:28px 0 6px;color:#1f4e79}
p.lead{color:#616e7c;margin:0 0 12px}p.note{color:#616e7c;font-size:13px;margin:4px 0 10px}
table{border-collapse:collapse;width:100%;font-size:13px}
th{background:#d9e2f3;text-align:left;padding:6px 8px;border-bottom:2px solid #1f4e79}
td{padding:5px 8px;border-bottom:1px solid #e4e7eb;vertical-align:middle}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.rag{display:inline-block;min-width:52px;text-align:center;border-radius:10px;padding:2px 8px;font-weight:bold;font-size:12px}
figure{margin:8px 0 0}figcaption{font-size:13px;color:#616e7c;margin-top:2px}
ul{font-size:13px;line-height:1.6;padding-left:20px}
.cards{display:flex;gap:12px;margin:16px 0 4px}.card{flex:1;background:#f0f4fa;border-left:4px solid #1f4e79;padding:10px 12px}
.card .big{font-size:24px;font-weight:bold;color:#1f4e79}.card .small{font-size:12px;color:#3e4c59;margin-top:2px}
footer{margin-top:32px;font-size:12px;color:#616e7c;border-top:1px solid #e4e7eb;padding-top:8px}
"""


def display(value: Any, kind: str) -> str:
    """A value as people read it: thousands separators, £ and % signs; markers as published."""
    pub = published_value(value, kind)
    if isinstance(pub, str):
        return pub
    if kind == "money":
        return f"£{int(pub):,}"
    if kind == "pct":
        return f"{Decimal(pub):,.1f}%"
    if isinstance(pub, Decimal):
        return f"{pub:,}"
    if kind == "year":
        return str(pub)
    return f"{pub:,}"


def pv(value: Any, kind: str) -> Any:
    """The published (rounded) number for charting, so labels match the CSVs; markers pass through."""
    pub = published_value(value, kind)
    return float(pub) if isinstance(pub, (int, Decimal)) else pub


def _month_label(value: Any) -> str:
    return value.strftime("%b %Y") if hasattr(value, "strftime") else str(value)


def _find(tables: Sequence[PublishedTable], table_id: str) -> PublishedTable | None:
    return next((t for t in tables if t.id == table_id), None)


def _empty(message: str) -> str:
    return f'<p class="note">{escape(message)}</p>'


def kpi_section(month: PublishedTable, series: PublishedTable) -> str:
    kinds = {c.name: c for c in month.columns}
    if not month.rows:
        return _empty("No KPI values for this month.")
    trend: dict[tuple[str, str], list[tuple[Any, Any]]] = {}
    for r in series.rows:
        trend.setdefault((r["kpi_code"], r["age_band"]), []).append((r["month"], r.get("value")))
    lines = ['<table><thead><tr><th>KPI</th><th>Age band</th><th>Value</th><th>Target</th><th>RAG</th>'
             '<th>Trend</th></tr></thead><tbody>']
    for r in month.rows:
        kind = kinds["value"].kind_for(r)
        rag = r.get("rag")
        bg, fg = RAG_COLOURS.get(str(rag), ("#e4e7eb", "#3e4c59"))
        points = trend.get((r["kpi_code"], r["age_band"]), [])
        span = f"{_month_label(points[0][0])} - {_month_label(points[-1][0])}" if points else ""
        target = display(r.get("target"), kind) if "target" in kinds else "[z]"
        rag_text = rag if rag not in (None,) else "[z]"
        revised = f" {REVISED}" if "value" in revised_columns(r) else ""
        lines.append(
            f"<tr><td>{escape(str(r['kpi']))}</td><td>{escape(str(r['age_band']))}</td>"
            f'<td class="n">{escape(display(r.get("value"), kind) + revised)}</td><td class="n">{escape(target)}</td>'
            f'<td><span class="rag" style="background:{bg};color:{fg}">{escape(str(rag_text))}</span></td>'
            f'<td title="{escape(span)}">{svg.sparkline([v for _, v in points])}</td></tr>')
    lines.append("</tbody></table>")
    return "".join(lines)


def revised_columns(row: dict[str, Any]) -> list[str]:
    """The columns a row's `revised` cell names (`[r] value; numerator` -> value, numerator)."""
    text = str(row.get("revised") or "")
    return text[len(REVISED):].strip().split("; ") if text.startswith(REVISED) else []


MAX_REVISIONS_SHOWN = 60


def revisions_section(pack: Pack) -> str:
    """Revisions policy: the re-issue (if this is one), the blocked months left out, and the figures
    revised since they were first published (manifest.json lists every one)."""
    parts = []
    if pack.reissue:
        parts.append(f'<p class="note"><strong>Version {pack.version}, re-issued:</strong> '
                     f'{escape(str(pack.reissue.get("reason")))}. It replaces {escape(str(pack.reissue.get("replaces")))}'
                     ", which stays published as it was.</p>")
    if pack.left_out:
        items = "".join(
            f"<li>{escape(e['month'])}: {escape(e['reason'])}"
            + (f" (financial years not published: {escape(', '.join(e['financial_years_not_published']))})"
               if e["financial_years_not_published"] else "") + "</li>" for e in pack.left_out)
        parts.append(f'<p class="note">Months blocked from publication and never published: their figures are '
                     f"shown as {NOT_PUBLISHED} in the trend, and so are the financial years that include them.</p>"
                     f"<ul>{items}</ul>")
    if not pack.revisions:
        parts.append('<p class="note">No figure in this pack differs from the one first published for its period.</p>')
        return "".join(parts)
    head = ("<table><thead><tr><th>Period</th><th>Table</th><th>Row</th><th>Column</th><th>Published</th>"
            "<th>Revised</th><th>First published in</th><th>Changed by (files loaded since)</th></tr></thead><tbody>")
    rows = []
    for r in pack.revisions[:MAX_REVISIONS_SHOWN]:
        row = ", ".join(v for k, v in r["row"].items() if k not in ("month", "financial_year"))
        files = ", ".join(f["file"] for f in r["changed_by"]) or "no file (models or reference data)"
        pub = r["published_in"]
        first = pub["month"] + (f" (version {pub['version']})" if pub["version"] > 1 else "")
        rows.append(
            f"<tr><td>{escape(r['period'])}</td><td>{escape(r['file'] or r['sheet'])}</td><td>{escape(row)}</td>"
            f"<td>{escape(r['column'])}</td><td class=\"n\">{escape(r['published'])}</td>"
            f"<td class=\"n\">{escape(r['revised'])} {REVISED}</td>"
            f"<td>{escape(first)}</td>"
            f"<td>{escape(files)}</td></tr>")
    more = len(pack.revisions) - MAX_REVISIONS_SHOWN
    tail = f'<p class="note">... and {more} more: every revision is in manifest.json (revisions).</p>' if more > 0 else ""
    parts.append(f'<p class="note">{len(pack.revisions)} figure(s) differ from the one first published for their '
                 f"period: the pack shows the revised figure, marked {REVISED}.</p>" + head + "".join(rows)
                 + "</tbody></table>" + tail)
    return "".join(parts)


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
    return svg.hbars_panels(
        "Provider concentration by market: top-5 share and HHI", cats,
        [("Top 5 providers' share of spend", [pv(r.get("top5_share_pct"), "pct") for r in table.rows], SPEND, 100.0, "%", 1, []),
         ("HHI (0-10,000)", [pv(r.get("hhi"), "index") for r in table.rows], ACTIVITY, 10000.0, "", 0,
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


def _row(table: PublishedTable | None, **match: Any) -> dict[str, Any] | None:
    if table is None:
        return None
    return next((r for r in table.rows if all(r.get(k) == v for k, v in match.items())), None)


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


def files_list(pack: Pack) -> str:
    items = ["kpi_pack.xlsx (sheets KPIs and Trend)", "kpi_monthly.csv", "mps_tables.xlsx (one sheet per table)"]
    items += [f"{t.filename} - {t.title}" for t in pack.mps]
    items += ["manifest.json (sources, checks, tool versions, suppression, file checksums)"]
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def report_html(pack: Pack) -> str:
    ctx = pack.ctx
    tables = pack.mps
    sections = [
        ("Key performance indicators", f"RAG against the council's targets for {ctx.period_label}; the trend line "
         "covers every month published up to this one (gaps are suppressed months, or months not published: [x]).",
         kpi_section(pack.kpi_month, pack.kpi_series)),
        ("The care ladder: where the money goes and where the people are",
         "Share of Tier 3 (long-term) spend against share of Tier 3 service users, all ages. A rung whose spend "
         "share is well above its activity share is a high-cost setting.", care_ladder_chart(_find(tables, "care_ladder"))),
        ("How concentrated is each market?",
         "Top-5 share: the five largest providers' share of the council's spend in the market. HHI above 2,500 "
         "(red band) is highly concentrated; 1,500-2,500 (amber band) moderately.", concentration_chart(_find(tables, "provider_concentration"))),
        ("Quality of the registered care market",
         "Locations by CQC Overall rating (of rated locations), the council area against its region and England.",
         cqc_chart(_find(tables, "cqc_market"), ctx.council)),
        ("An ageing population", "ONS subnational population projections for the council area.",
         population_chart(_find(tables, "population_projections"), ctx.council)),
        ("How the council compares with other councils",
         f"The council's value (dot) against the middle half of its peer councils' values (box, from the lower to "
         f"the upper quartile) and their median (line), for peer groups of at least {benchmark.MIN_PEER_COUNCILS} "
         "councils; rank 1 = best. Other councils' own values are not shown.",
         benchmark.report_section(_find(tables, "benchmark"), pack.benchmark_note, pack.council_name)),
        (projections.DEMAND_HEADING, projections.DEMAND_LEAD, projections.demand_section(pack)),
        (projections.SCENARIO_HEADING, projections.SCENARIO_LEAD, projections.scenario_section(pack)),
    ]
    body = []
    for heading, note, content in sections:
        body.append(f"<section><h2>{escape(heading)}</h2><p class=\"note\">{escape(note)}</p>"
                    f"<figure>{content}</figure></section>")
    unavailable = (f"<p class=\"note\">Not available in this warehouse: {escape(', '.join(pack.unavailable))}.</p>"
                   if pack.unavailable else "")
    return (
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>Adult Social Care market and performance, {escape(pack.council_name)}, {escape(ctx.period_label)}</title>"
        f"<style>{CSS}</style></head><body><main>"
        f"<header><h1>Adult Social Care: market and performance</h1>"
        f"<p class=\"lead\">{escape(pack.council_name)} ({escape(ctx.council)}) &middot; {escape(ctx.period_label)}"
        + (f" &middot; version {pack.version} (re-issued)" if pack.version > 1 else "")
        + " &middot; published pack</p></header>"
        + headlines(pack)
        + "".join(body)
        + f"<section><h2>Revisions</h2>{revisions_section(pack)}</section>"
        + f"<section><h2>What is in this pack</h2>{files_list(pack)}{unavailable}</section>"
        f"<footer><p>{escape(SUPPRESSION_NOTE)}. {escape(NA_NOTE)}. {REVISED} = revised since first published. "
        f"{NOT_PUBLISHED} = not published (the month was blocked from publication). Charts show published values only: "
        f"a suppressed value ({escape(SUPPRESSED)}) draws no bar.</p>"
        "<p>Percentages are rounded to 1 decimal place and money to pounds and pence.</p></footer>"
        "</main></body></html>\n"
    )
