"""Benchmarking in the published pack: `benchmark.csv`, the `Benchmark` sheet of mps_tables.xlsx and
the report's section, from `marts.benchmark_monthly` (dbt_project/models/marts/benchmark_monthly.yml).

- Only the pack's council's rows are read (`council_code = ctx.council`). Each holds the council's
  own value beside its peer group's median, quartiles and the council's rank; no other council's
  value, code or rank is read or published.
- Only peer groups with at least `MIN_PEER_COUNCILS` (3) councils whose values entered the
  statistics (`peer_councils >= 3`) are published. When no measure has one (always the case in a
  council's own warehouse, which holds only itself), `benchmark.csv` and the sheet are not written;
  the Contents sheet, the report and the manifest say why.
- Rows: the period's month for monthly measures; for annual measures (care home admissions), the
  financial year that ended on or before the period's last day (its March row), as the MPS annual
  tables choose their years.
- The council's own value and rank are `[c]` when the mart flags the value suppressed, and also
  whenever the pack's own tables hide the same figure (a KPI value in `KPIs`, a rung's service
  users in Table 1 for `AVG_WEEKLY_COST:<rung>`, `per_100k` in Table 9), so the benchmark never
  shows what the rest of the pack hides.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import duckdb

from orchestration.pack import svg
from orchestration.pack import suppression as sup
from orchestration.pack.columns import label
from orchestration.pack.report_format import display
from orchestration.pack.rounding import NOT_PUBLISHED, published_value
from orchestration.pack.tables import (AGE_ORDER, TIER3_RUNGS, Column, PackContext, PublishedTable, _order, for_council,
                                       mart_columns, query)

MART = "benchmark_monthly"
MIN_PEER_COUNCILS = 3
SHEET = "Benchmark"
FILENAME = "benchmark.csv"
KPI_ORDER = ("LTC_USERS", "LTC_AT_HOME", "AVG_WEEKLY_COST", "CONTACT_TO_TIER3", "FEEL_SAFE",
             "CONTROL_DAILY_LIFE", "CQC_GOOD_OR_BETTER")
UNIT_KINDS = {"percent": "pct", "GBP per week": "money", "per 100,000": "rate", "people": "count"}
DIRECTIONS = {"higher_is_better": "higher is better", "lower_is_better": "lower is better"}
NO_DIRECTION = "none (ranked highest first)"
COLUMNS = ("measure_code", "measure", "age_band", "period", "peer_group", "peer_group_name", "unit", "direction",
           "value", "peer_median", "peer_p25", "peer_p75", "rank", "of_councils", "peer_councils", "benchmarked")
STAT_COLUMNS = ("value", "peer_median", "peer_p25", "peer_p75")
LABELS = {
    "measure_code": "Measure code", "measure": "Measure", "period": "Period", "peer_group": "Peer group",
    "peer_group_name": "Peer councils", "direction": "Direction", "value": "Council value",
    "peer_median": "Peer median", "peer_p25": "Peer lower quartile (25th percentile)",
    "peer_p75": "Peer upper quartile (75th percentile)", "rank": "Rank (1 = best)", "of_councils": "Of councils",
    "peer_councils": "Councils in the peer statistics", "benchmarked": "Council value in the statistics",
}
NOT_PUBLISHED_NO_PEERS = (
    f"Benchmark: no measure has a peer group of at least {MIN_PEER_COUNCILS} councils with comparable, published "
    f"values in this warehouse (a warehouse of one council holds only itself), so "
    f"{FILENAME} and the {SHEET} sheet are not published this month.")
NOT_PUBLISHED_NO_MART = (
    f"Benchmark: marts.{MART} is not in this warehouse, so {FILENAME} and the {SHEET} sheet are not published.")
SPAN_NOTE = ("Peer statistics are of the councils in the group whose value is known and published by that council "
             "(values suppressed in a council's own pack, part-year annual values, and months blocked from "
             "publication are left out).")


def latest_march(ctx: PackContext) -> dt.date:
    """March of the latest financial year that ended (31 March) on or before the period's last day."""
    return dt.date(ctx.month.year if ctx.month.month >= 3 else ctx.month.year - 1, 3, 1)


def _measure_order(code: str) -> tuple:
    base, _, rung = code.partition(":")
    if not rung:
        return (0, *_order(code, KPI_ORDER)) if code in KPI_ORDER else (3, 0, code)
    family = {"AVG_WEEKLY_COST": 1, "PCT_SPEND": 2}.get(base, 4)
    return (family, *_order(rung, TIER3_RUNGS))


def value_kind(row: Mapping[str, Any]) -> str:
    return UNIT_KINDS.get(str(row.get("unit")), "rate")


def _hidden_elsewhere(tables: Sequence[PublishedTable], ctx: PackContext,
                      marker: str = sup.SUPPRESSED) -> set[tuple[str, str]]:
    """(measure_code, age_band) whose figure the pack's other tables hide for this period behind
    `marker` (`[c]`; or `[x]`: a financial year that includes a month blocked from publication)."""
    hidden: set[tuple[str, str]] = set()
    for table in tables:
        for r in table.rows:
            if table.id == "kpi_month" and r.get("value") == marker:
                hidden.add((str(r["kpi_code"]), str(r["age_band"])))
            elif table.id == "care_ladder" and r.get("service_users") == marker:
                hidden.add((f"AVG_WEEKLY_COST:{r['care_ladder_rung']}", str(r["age_band"])))
            elif (table.id == "care_home_admissions" and r.get("per_100k") == marker
                  and int(str(r["financial_year"])[:4]) + 1 == latest_march(ctx).year):
                hidden.add(("CARE_HOME_ADMISSIONS_PER_100K", str(r["age_band"])))
    return hidden


def blocked_peers_filter(con: duckdb.DuckDBPyConnection, have: Sequence[str]) -> str:
    """A condition leaving out the rows whose statistics took a value of a council-month that has
    since been blocked from publication (decided after the build, by its dbt tests or
    reconciliation: audit.gate_decisions), so a blocked month never reaches another council's pack.
    The mart already leaves out the council-months known to be blocked when it was built."""
    exists = con.execute("select count(*) from duckdb_tables() where schema_name = 'audit'"
                         " and table_name = 'gate_decisions'").fetchone()[0]
    if "peer_council_codes" not in have or not exists:
        return ""
    return (" and not exists (select 1 from audit.gate_decisions d where d.blocked"
            " and list_contains(peer_council_codes, d.council_code)"
            " and d.month = strftime(benchmark_monthly.month, '%Y-%m'))")


def _read(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> list[dict[str, Any]]:
    have = mart_columns(con, MART) or []
    extras = [c for c in ("measure_name", "unit", "direction", "financial_year", "region_code", "region_name",
                          "suppressed", "benchmarked") if c in have]
    where, params = for_council(
        have, ctx,
        "where peer_councils >= ? and ((financial_year is null and month = ?) "
        "or (financial_year is not null and month = ?))" + blocked_peers_filter(con, have),
        [MIN_PEER_COUNCILS, ctx.month, latest_march(ctx)])
    return query(con, "select month, measure_code, age_band, peer_group, value, peer_councils, peer_median, "
                      f"peer_p25, peer_p75, rank, of_councils, {', '.join(extras)} from marts.{MART} {where}", params)


def benchmark_table(con: duckdb.DuckDBPyConnection, ctx: PackContext,
                    published: Sequence[PublishedTable] = ()) -> tuple[PublishedTable | None, str]:
    """The Benchmark table (None when nothing is published) and, when None, the reason.

    `published`: the pack's other tables (KPIs, MPS tables), whose hidden cells hide the same
    figures here."""
    if mart_columns(con, MART) is None:
        return None, NOT_PUBLISHED_NO_MART
    hidden_elsewhere = _hidden_elsewhere(published, ctx)
    not_published = _hidden_elsewhere(published, ctx, NOT_PUBLISHED)
    rows = []
    for r in _read(con, ctx):
        blocked = (r["measure_code"], r["age_band"]) in not_published
        own_hidden = bool(r.get("suppressed")) or (r["measure_code"], r["age_band"]) in hidden_elsewhere or blocked
        region = r.get("region_name") or r.get("region_code")
        rows.append({
            "measure_code": r["measure_code"],
            "measure": r.get("measure_name") or r["measure_code"],
            "age_band": r["age_band"],
            "period": r.get("financial_year") or r["month"].strftime("%Y-%m"),
            "peer_group": r["peer_group"],
            "peer_group_name": f"{region} region" if r["peer_group"] == "region" else "All councils in the benchmark",
            "unit": r.get("unit") or "",
            "direction": DIRECTIONS.get(str(r.get("direction")), NO_DIRECTION),
            "value": r["value"],
            "peer_median": r["peer_median"],
            "peer_p25": r["peer_p25"],
            "peer_p75": r["peer_p75"],
            "rank": r["rank"],
            "of_councils": r["of_councils"],
            "peer_councils": r["peer_councils"],
            "benchmarked": bool(r.get("benchmarked", r["rank"] is not None)) and not own_hidden,
            "_hidden": own_hidden,
            "_not_published": blocked,
        })
    if not rows:
        return None, NOT_PUBLISHED_NO_PEERS
    rows.sort(key=lambda r: (_measure_order(r["measure_code"]), _order(r["age_band"], AGE_ORDER),
                             0 if r["peer_group"] == "region" else 1))
    primary = frozenset((i, "value") for i, r in enumerate(rows) if r["_hidden"])
    derived = frozenset((i, "rank") for i, r in enumerate(rows) if r["_hidden"])
    result = sup.SuppressionResult(primary, frozenset(), derived)
    clean = [{c: r[c] for c in COLUMNS} for r in rows]
    published_rows = sup.apply(clean, result.hidden)
    for r, out in zip(rows, published_rows):
        if r["_not_published"]:  # the value takes a month blocked from publication: [x], as its own table
            out["value"] = out["rank"] = NOT_PUBLISHED
    stat_kinds = {c: value_kind for c in STAT_COLUMNS}
    columns = [Column(c, "flag" if c == "benchmarked" else "count" if c in ("rank", "of_councils", "peer_councils")
                      else "rate" if c in STAT_COLUMNS else "text",
                      LABELS.get(c) or label(c), stat_kinds.get(c)) for c in COLUMNS]
    table = PublishedTable(
        id="benchmark", sheet=SHEET, filename=FILENAME,
        title=f"Benchmarking: the council against other councils, {ctx.period_label}",
        units="Each measure in its own unit (people, %, £ per week, per 100,000 population); rank 1 = best.",
        source=f"Source: marts.{MART} (the marts of the councils in the warehouse, built together).",
        columns=columns, rows=published_rows, suppression=result,
        notes=[f"Only peer groups with at least {MIN_PEER_COUNCILS} councils in the statistics are shown. "
               "Region: the councils of the council's English region in the benchmark; all: every council in it.",
               "Median and quartiles by linear interpolation between the councils' values (Excel PERCENTILE.INC). "
               "Rank: 1 = best in the measure's direction; measures without one are ranked highest first; "
               "equal values share a rank.",
               SPAN_NOTE,
               "Other councils' individual values are not published. A value of this council that its own pack "
               "suppresses is shown as [c], with its rank; one that takes in a month blocked from publication "
               "(a financial year including it) as [x]."],
        people_columns=("value (LTC_USERS)",),
        groups_doc="None (each row stands alone: no totals).",
    )
    return table, ""


# ---------------------------------------------------------------- report.html
OWN, BOX, MEDIAN = "#e07b39", "#c9d6ea", "#1f4e79"


def _num(value: Any, kind: str) -> float | None:
    pub = published_value(value, kind)
    return None if isinstance(pub, str) else float(pub)


def range_chart(title: str, value: Any, p25: Any, median: Any, p75: Any, kind: str, *, width: int = 240,
                height: int = 30) -> str:
    """The peer interquartile range (box), median (line) and the council's value (dot), on a scale
    fitted to the row; a suppressed or missing value draws no dot and shows its marker."""
    nums = {k: _num(v, kind) for k, v in (("value", value), ("p25", p25), ("median", median), ("p75", p75))}
    present = [v for v in nums.values() if v is not None]
    lo, hi = (min(present), max(present)) if present else (0.0, 1.0)
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.08, 1.0)
    lo, hi = lo - pad, hi + pad
    left, right = 6, width - 40

    def x(v: float) -> float:
        return left + (right - left) * (v - lo) / (hi - lo)

    body = [f'<line x1="{left}" y1="{height / 2:.1f}" x2="{right}" y2="{height / 2:.1f}" stroke="{svg.GRID}"/>']
    if nums["p25"] is not None and nums["p75"] is not None:
        body.append(f'<rect x="{x(nums["p25"]):.1f}" y="{height / 2 - 7:.1f}" '
                    f'width="{max(x(nums["p75"]) - x(nums["p25"]), 1.5):.1f}" height="14" fill="{BOX}"/>')
    if nums["median"] is not None:
        mx = x(nums["median"])
        body.append(f'<line x1="{mx:.1f}" y1="{height / 2 - 9:.1f}" x2="{mx:.1f}" y2="{height / 2 + 9:.1f}" '
                    f'stroke="{MEDIAN}" stroke-width="2"/>')
    if nums["value"] is not None:
        body.append(f'<circle cx="{x(nums["value"]):.1f}" cy="{height / 2:.1f}" r="5" fill="{OWN}" '
                    f'stroke="#ffffff" stroke-width="1"/>')
    else:
        body.append(svg._text(right + 4, height / 2 + 4, published_value(value, kind), size=11, fill=svg.MUTED))
    return svg._svg(width, height, title, body)


def describe(row: Mapping[str, Any], council_name: str) -> str:
    """The chart's text alternative: every number it draws, as published."""
    kind = value_kind(row)
    rank = row.get("rank")
    ranked = f"rank {display(rank, 'count')} of {display(row.get('of_councils'), 'count')}" \
        if rank not in (None, sup.SUPPRESSED, NOT_PUBLISHED) else f"rank {display(rank, 'count')}"
    return (f"{row['measure']}, {row['age_band']}, {row['period']}, {row['peer_group_name']}: "
            f"{council_name} {display(row.get('value'), kind)}; peer median {display(row.get('peer_median'), kind)}, "
            f"interquartile range {display(row.get('peer_p25'), kind)} to {display(row.get('peer_p75'), kind)} "
            f"({display(row.get('peer_councils'), 'count')} councils); {ranked} "
            f"(1 = best; direction: {row['direction']}).")


def report_section(table: PublishedTable | None, note: str, council_name: str) -> str:
    """The report's benchmarking section: one row per measure, age band and peer group, with the
    numbers in the table and a small chart whose text alternative repeats them."""
    if table is None:
        return f'<p class="note">{escape(note)}</p>'
    lines = ['<table><thead><tr><th>Measure</th><th>Age band</th><th>Peer group</th><th>Council</th>'
             '<th>Peer median</th><th>Interquartile range</th><th>Rank</th><th>Council (dot) against the peer '
             'range (box) and median (line)</th></tr></thead><tbody>']
    for r in table.rows:
        kind = value_kind(r)
        text = describe(r, council_name)
        rank = display(r.get("rank"), "count")
        if r.get("rank") not in (None, sup.SUPPRESSED, NOT_PUBLISHED):
            rank = f"{rank} of {display(r.get('of_councils'), 'count')}"
        lines.append(
            f"<tr><td>{escape(str(r['measure']))}</td><td>{escape(str(r['age_band']))}</td>"
            f"<td>{escape(str(r['peer_group_name']))}</td>"
            f'<td class="n">{escape(display(r.get("value"), kind))}</td>'
            f'<td class="n">{escape(display(r.get("peer_median"), kind))}</td>'
            f'<td class="n">{escape(display(r.get("peer_p25"), kind))} to {escape(display(r.get("peer_p75"), kind))}</td>'
            f'<td class="n">{escape(rank)}</td>'
            f"<td>{range_chart(text, r.get('value'), r.get('peer_p25'), r.get('peer_median'), r.get('peer_p75'), kind)}"
            "</td></tr>")
    lines.append("</tbody></table>")
    return "".join(lines)
