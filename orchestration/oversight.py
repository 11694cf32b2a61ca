"""The market-oversight page (INTERNAL, never published): a council-month's ranked register of the
providers it buys from, from `marts.provider_risk_monthly`, with why each one is flagged.

Written by the publication step beside the data-quality reports, for every council-month of the
run (blocked or not: oversight does not wait for the pack), to
`<warehouse dir>/oversight/<council>/YYYY-MM.html`, readable by its owner only. It never goes to
`exports/`: the register names providers with internal judgements about them.
"""
from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import duckdb
import yaml

from orchestration.months import month_label

FOLDER = "oversight"
MART = "marts.provider_risk_monthly"
DBT_PROJECT_YML = Path(__file__).resolve().parent.parent / "dbt_project" / "dbt_project.yml"
COLUMNS = ("rank", "provider_name", "provider_key", "cqc_provider_id", "locations", "council_weekly_spend",
           "council_service_users", "largest_market_share_pct", "largest_market", "risk_score", "flags")
FLAG_TEXT = {
    "poor_rating": "a location the council buys at is rated Inadequate or Requires improvement (latest ratings file)",
    "location_closed": "a location of the provider left the CQC register in the last 3 months",
    "rating_drop": "a location's CQC Overall rating fell in the last 12 months",
    "spend_drop": "council weekly spend with the provider is half or less of 3 months before",
    "market_share": "the provider holds a third or more (33.3%) of a market's spend",
    "unmatched_payments": "the month's payments to the provider include some no service line commits",
}
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1b1b1b}
h1{font-size:1.5rem} table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.5rem 0}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top} th{background:#f2f2f2}
td.num{text-align:right} tr.flagged td:first-child{border-left:4px solid #b00020}
.banner{padding:.8rem 1rem;border-radius:4px;font-weight:600;background:#fff3cd;border:1px solid #b8860b}
"""


def oversight_path(side_dir: Path, council: str, month: str) -> Path:
    return side_dir / FOLDER / council / f"{month}.html"


def risk_weights() -> dict[str, int]:
    """The flags' weights, as dbt uses them (var provider_risk_weights)."""
    return dict(yaml.safe_load(DBT_PROJECT_YML.read_text(encoding="utf-8"))["vars"]["provider_risk_weights"])


def register_rows(con: duckdb.DuckDBPyConnection, council: str, month: str) -> list[dict[str, Any]] | None:
    """The council-month's register in rank order; None when the mart is not in the warehouse."""
    try:
        cur = con.execute(f"select {', '.join(COLUMNS)} from {MART} where council_code = ? and month = ? order by rank",
                          [council, month + "-01"])
    except duckdb.CatalogException:
        return None
    return [dict(zip(COLUMNS, r)) for r in cur.fetchall()]


def _cell(column: str, value: Any) -> str:
    if value is None:
        return "<td></td>"
    if column == "council_weekly_spend":
        return f'<td class="num">£{value:,.2f}</td>'
    if column == "largest_market_share_pct":
        return f'<td class="num">{value:.1f}%</td>'
    if isinstance(value, int):
        return f'<td class="num">{value}</td>'
    return f"<td>{escape(str(value))}</td>"


def render_oversight_html(rows: list[dict[str, Any]] | None, council: str, month: str, blocked: bool = False) -> str:
    """Self-contained HTML, every value escaped; deterministic (no timestamp)."""
    label = f"{council} {month_label(month)}"
    weights = risk_weights()
    rules = "".join(f"<li><b>{escape(k)}</b> (weight {weights.get(k, 0)}): {escape(v)}</li>" for k, v in FLAG_TEXT.items())
    if rows is None:
        body = "<p>marts.provider_risk_monthly is not in the warehouse: the register could not be built.</p>"
    elif not rows:
        body = "<p>No provider: the council bought no care in the month.</p>"
    else:
        head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
        lines = "".join(
            f'<tr class="{"flagged" if r["risk_score"] else ""}">' + "".join(_cell(c, r[c]) for c in COLUMNS) + "</tr>"
            for r in rows
        )
        flagged = sum(1 for r in rows if r["risk_score"])
        body = (f"<p>{len(rows)} providers, {flagged} flagged.</p>"
                f"<table><tr>{head}</tr>{lines}</table>")
    note = ("<p><b>This council-month is blocked by its gate</b>: its pack is not published and the figures "
            "below may be wrong.</p>" if blocked else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Market oversight {escape(label)}</title>
<style>{_CSS}</style></head><body>
<h1>Market oversight: {escape(label)}</h1>
<p class="banner">INTERNAL - not published. An early-warning register for commissioners; never part of the pack.</p>
{note}
<p>risk_score is the sum of the weights of the flags raised; rank orders by risk_score, then council
weekly spend, then provider_key. Flags (rules in dbt_project/models/marts/oversight/provider_risk_monthly.yml):</p>
<ul>{rules}</ul>
{body}
</body></html>
"""
