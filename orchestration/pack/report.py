"""report.html: one self-contained page (inline CSS and SVG, no scripts, no external files) drawn only
from the *published* (suppressed) tables, so it shows nothing the CSVs do not."""
from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from orchestration.pack import report_sections
from orchestration.pack.report_charts import headlines
from orchestration.pack.rounding import NOT_PUBLISHED, REVISED
from orchestration.pack.suppression import SUPPRESSED
from orchestration.pack.tables import NA_NOTE, SUPPRESSION_NOTE

if TYPE_CHECKING:
    from orchestration.pack.publish import Pack

CSS = """
body{font-family:Arial,Helvetica,'Liberation Sans',sans-serif;color:#1f2933;margin:0;background:#f4f6f8}
main{max-width:980px;margin:0 auto;padding:24px 32px 48px;background:#fff}
header{border-bottom:4px solid #1f4e79;margin-bottom:12px}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:19px;margin:28px 0 6px;color:#1f4e79}
h3{font-size:15px;margin:14px 0 4px;color:#1f2933}
p.lead{color:#616e7c;margin:0 0 12px}p.note{color:#616e7c;font-size:13px;margin:4px 0 10px}
p.howto{font-size:13px;margin:4px 0 10px;background:#f0f4fa;border-left:4px solid #9fb3d1;padding:6px 10px}
p.source{font-size:12px;color:#616e7c;margin:6px 0 0;border-top:1px dotted #c5ccd3;padding-top:4px}
table{border-collapse:collapse;width:100%;font-size:13px}
th{background:#d9e2f3;text-align:left;padding:6px 8px;border-bottom:2px solid #1f4e79}
th.n{text-align:right}
td{padding:5px 8px;border-bottom:1px solid #e4e7eb;vertical-align:middle}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
caption{text-align:left;font-size:13px;color:#616e7c;padding:4px 0}
.rag{display:inline-block;white-space:nowrap;min-width:52px;text-align:center;border-radius:10px;padding:2px 8px;font-weight:bold;font-size:12px}
figure{margin:8px 0 0}figcaption{font-size:13px;color:#616e7c;margin-top:2px}
details.alt{font-size:13px;margin:4px 0 8px}details.alt summary{cursor:pointer;color:#1f4e79}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
ul{font-size:13px;line-height:1.6;padding-left:20px}
nav.toc ol{font-size:13px;columns:2;margin:6px 0 0;padding-left:22px}
.cards{display:flex;gap:12px;margin:16px 0 4px}.card{flex:1;background:#f0f4fa;border-left:4px solid #1f4e79;padding:10px 12px}
.card .big{font-size:24px;font-weight:bold;color:#1f4e79}.card .small{font-size:12px;color:#3e4c59;margin-top:2px}
footer{margin-top:32px;font-size:12px;color:#616e7c;border-top:1px solid #e4e7eb;padding-top:8px}
"""


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


def files_list(pack: Pack) -> str:
    items = ["kpi_pack.xlsx (sheets KPIs and Trend)", "kpi_monthly.csv", "mps_tables.xlsx (one sheet per table)"]
    items += [f"{t.filename} - {t.title}" for t in pack.mps]
    items += ["manifest.json (sources, checks, tool versions, suppression, file checksums)"]
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def report_html(pack: Pack) -> str:
    """The page: header, headline cards, contents, then every section of `report_sections.SECTIONS`
    in order (each with its "how to read this" line, its content and its source and "data as at"
    line), then revisions and the pack's files."""
    ctx = pack.ctx
    sections = report_sections.rendered(pack)
    toc = "".join(f'<li><a href="#{sid}">{escape(heading)}</a></li>' for sid, heading, _ in sections)
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
        + f" &middot; published pack &middot; data as at {escape(report_sections.as_at_label(ctx.month_end))}</p></header>"
        + headlines(pack)
        + f'<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>{toc}</ol></nav>'
        + "".join(html for _, _, html in sections)
        + f'<section id="revisions" data-section="revisions"><h2>Revisions</h2>{revisions_section(pack)}</section>'
        + f'<section id="files" data-section="files"><h2>What is in this pack</h2>{files_list(pack)}{unavailable}</section>'
        f"<footer><p>{escape(SUPPRESSION_NOTE)}. {escape(NA_NOTE)}. {REVISED} = revised since first published. "
        f"{NOT_PUBLISHED} = not published (the month was blocked from publication). Charts show published values only: "
        f"a suppressed value ({escape(SUPPRESSED)}) draws no bar. RAG is written out and marked with a shape "
        "(circle Green, triangle Amber, square Red), never by colour alone; every chart's figures are in the table "
        "under it.</p>"
        "<p>Percentages are rounded to 1 decimal place and money to pounds and pence.</p></footer>"
        "</main></body></html>\n"
    )
