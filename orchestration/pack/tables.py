"""The published tables: what is read from `marts`, how it is laid out and how it is suppressed.

Every builder returns a `PublishedTable` whose rows are already suppressed (hidden cells hold
``[c]``) but not yet rounded; rounding happens in the writers (`rounding.py`).
"""
from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb

from orchestration.pack import suppression as sup
from orchestration.pack.columns import infer_kind, is_derived_candidate, is_people_column, is_published_column, label

TIER3_RUNGS = ("Nursing", "Residential", "Supported Accommodation", "Extra Care Housing", "Supported Living",
               "Home Care", "Day Care", "Adult Placement", "Direct Payments")
RUNG_ORDER = (*TIER3_RUNGS, "Reablement", "Short Term Care", "Information & Advice")
TIER3_TOTAL = "Total Tier 3"
AGE_ORDER = ("18-64", "65+", "All")
CLIENT_CATEGORIES = ("Mental Health", "Learning Disability", "Older People", "Physical Disability, Hearing & Vision",
                     "Total")
OP_SERVICE_TYPES = ("Direct Payments", "Home Care", "Nursing", "Residential", "Other", "Total")
LATEST_FINANCIAL_YEARS = 3

KNOWN_AREAS = {
    "E06000023": "Bristol, City of", "E06000022": "Bath and North East Somerset",
    "E12000009": "South West", "E92000001": "England", "K04000001": "England and Wales",
}

SUPPRESSION_NOTE = "[c] = suppressed (1-4 people, or a value from which such a count could be worked out)"
NA_NOTE = "[z] = not applicable or not available"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    label: str
    row_kind: Callable[[Mapping[str, Any]], str] | None = None

    def kind_for(self, row: Mapping[str, Any]) -> str:
        return self.row_kind(row) if self.row_kind else self.kind


@dataclass
class PublishedTable:
    id: str
    sheet: str
    filename: str
    title: str
    units: str
    source: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    suppression: sup.SuppressionResult
    notes: list[str] = field(default_factory=list)
    people_columns: tuple[str, ...] = ()
    groups_doc: str = ""
    # (row index, column) -> a note on that cell (an xlsx cell comment): e.g. the figure first
    # published for a revised cell, and the file that changed it (revisions.py).
    cell_notes: dict[tuple[int, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class PackContext:
    month: dt.date  # first day
    council: str

    @property
    def month_end(self) -> dt.date:
        nxt = (self.month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return nxt - dt.timedelta(days=1)

    @property
    def period(self) -> str:
        return self.month.strftime("%Y-%m")

    @property
    def period_label(self) -> str:
        return self.month.strftime("%B %Y")

    def area_name(self, code: str) -> str:
        return KNOWN_AREAS.get(code, code)

    def area_rank(self, code: str) -> int:
        if code == self.council:
            return 0
        if code.startswith("E12"):
            return 1
        if code == "E92000001":
            return 2
        if code == "K04000001":
            return 3
        return 4


# ---------------------------------------------------------------- reading
MART_COLUMNS_SQL = ("select table_name, column_name from information_schema.columns where table_catalog = "
                    "current_database() and table_schema = 'marts' {and_table} order by table_name, ordinal_position")
# The marts' columns read once for a whole pack (`marts_read_once`): a pack asks ~50 times, and each
# information_schema query took ~9 ms, half of a pack's reading (docs/BENCHMARKS.md, 2026-12-08).
_READ_ONCE: ContextVar[tuple[duckdb.DuckDBPyConnection, dict[str, list[str]]] | None] = ContextVar(
    "ascw_mart_columns", default=None)


def mart_columns(con: duckdb.DuckDBPyConnection, mart: str) -> list[str] | None:
    """The mart's columns in order; None when the warehouse has no such mart."""
    once = _READ_ONCE.get()
    if once is not None and once[0] is con:
        return once[1].get(mart)
    rows = con.execute(MART_COLUMNS_SQL.format(and_table="and table_name = ?"), [mart]).fetchall()
    return [r[1] for r in rows] or None


@contextmanager
def marts_read_once(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Within the block, `mart_columns(con, ...)` answers from one read of every mart's columns
    (the marts do not change while a pack is read: the refresh holds the warehouse)."""
    columns: dict[str, list[str]] = {}
    for table, column in con.execute(MART_COLUMNS_SQL.format(and_table="")).fetchall():
        columns.setdefault(table, []).append(column)
    token = _READ_ONCE.set((con, columns))
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


def for_council(have: Collection[str], ctx: PackContext, where: str = "",
                params: Sequence[Any] = ()) -> tuple[str, list[Any]]:
    """`where` (a WHERE clause or "") and its `params`, narrowed to the pack's council when the mart
    (whose columns are `have`) has the council key (a warehouse holds any number of councils; a
    council's own, one)."""
    if "council_code" not in have:
        return where, list(params)
    where = f"{where} and council_code = ?" if where else "where council_code = ?"
    return where, [*params, ctx.council]


def query(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _order(value: Any, order: Sequence[str]) -> tuple[int, str]:
    return (order.index(value), "") if value in order else (len(order), str(value))


def _fy_end(fy: str) -> dt.date:
    return dt.date(int(str(fy)[:4]) + 1, 3, 31)


def latest_financial_years(rows: Sequence[Mapping[str, Any]], ctx: PackContext, n: int = LATEST_FINANCIAL_YEARS) -> list[str]:
    """The latest ``n`` financial years that ended (31 March) on or before the month's last day, so a
    pack never shows a year the month had not reached, even when published later in a backfill."""
    years = sorted({str(r["financial_year"]) for r in rows if _fy_end(str(r["financial_year"])) <= ctx.month_end})
    return years[-n:]


def fy_status(months_loaded: Any) -> str:
    """`Final`, or `Part year (n of 12 months loaded)` when the mart says the year was part-loaded."""
    if isinstance(months_loaded, int) and not isinstance(months_loaded, bool) and months_loaded < 12:
        return f"Part year ({months_loaded} of 12 months loaded)"
    return "Final"


def _sum(values: Sequence[Any]) -> Any:
    nums = [v for v in values if v is not None]
    if not nums:
        return None
    if any(isinstance(v, float) for v in nums):
        return sum(float(v) for v in nums)
    return sum(nums, Decimal(0)) if any(isinstance(v, Decimal) for v in nums) else sum(nums)


def _finish(
    *, id: str, sheet: str, filename: str, title: str, units: str, source: str, rows: list[dict[str, Any]],
    columns: Sequence[str], rule: sup.SuppressionRule, kinds: Mapping[str, str] | None = None,
    row_kinds: Mapping[str, Callable[[Mapping[str, Any]], str]] | None = None, notes: Sequence[str] = (),
    groups_doc: str = "", people_columns: Sequence[str] = (),
) -> PublishedTable:
    kinds = dict(kinds or {})
    row_kinds = dict(row_kinds or {})
    cols = []
    for name in columns:
        sample = next((r[name] for r in rows if r.get(name) is not None), None)
        cols.append(Column(name, kinds.get(name) or infer_kind(name, sample), label(name), row_kinds.get(name)))
    rows = [{c: r.get(c) for c in columns} for r in rows]
    result = sup.suppress(rows, rule)
    published = sup.apply(rows, result.hidden)
    extra = [] if rows else ["There are no rows for this period."]
    return PublishedTable(id, sheet, filename, title, units, source, cols, published, result,
                          [*notes, *extra], tuple(people_columns), groups_doc)


# ---------------------------------------------------------------- MPS tables
def care_ladder(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    cols = ["care_ladder_rung", "tier", "age_band", "service_users", "active_lines", "weekly_cost", "spend",
            "pct_spend", "pct_activity", "weekly_hours"]
    have = set(mart_columns(con, "care_ladder_monthly") or [])
    cols = [c for c in cols if c in have]
    where, params = for_council(have, ctx, "where month = ?", [ctx.month])
    rows = query(con, f"select {', '.join(cols)} from marts.care_ladder_monthly {where}", params)
    tier3 = [r for r in rows if r.get("tier") == 3 or (r.get("tier") is None and r["care_ladder_rung"] in TIER3_RUNGS)]
    for band in sorted({r["age_band"] for r in tier3}, key=lambda b: _order(b, AGE_ORDER)):
        in_band = [r for r in tier3 if r["age_band"] == band]
        total = {"care_ladder_rung": TIER3_TOTAL, "tier": 3, "age_band": band}
        for c in cols:
            if c not in total:
                total[c] = _sum([r.get(c) for r in in_band])
        rows.append(total)
    rows.sort(key=lambda r: (_order(r["care_ladder_rung"], (*RUNG_ORDER[:9], TIER3_TOTAL, *RUNG_ORDER[9:])),
                             _order(r["age_band"], AGE_ORDER)))
    people = [c for c in ("service_users", "active_lines") if c in cols]
    tier3_rungs = tuple(sorted({r["care_ladder_rung"] for r in tier3}))
    rule = sup.static_rule(
        ["care_ladder_rung", "age_band"], people, derived={"pct_activity": ("service_users",)},
        groups=[sup.GroupSpec("age_band", "All", tuple(people), ("18-64", "65+")),
                sup.GroupSpec("care_ladder_rung", TIER3_TOTAL, tuple(people), tier3_rungs)],
    )
    return _finish(
        id="care_ladder", sheet="1 Care ladder", filename="mps_01_care_ladder.csv",
        title=f"Table 1: The care ladder - people, spend and activity by rung and age band, {ctx.period_label}",
        units="People and service lines at the month's last day; money in pounds (2 dp); percentages 0-100.",
        source="Source: council social care records (LAS events, ContrOCC service lines), marts.care_ladder_monthly.",
        rows=rows, columns=cols, rule=rule, people_columns=people,
        notes=["Spend is the committed cost in the month: weekly cost x days active / 7.",
               "% of Tier 3 spend and activity are shares within each age band; Tier 1 and 2 rows are [z].",
               f"'{TIER3_TOTAL}' sums the Tier 3 rungs (a person in two rungs counts in both)."],
        groups_doc="Per rung: 18-64 + 65+ (+ people under 18 or of unknown age, not published) = All. "
                   "Per age band: Tier 3 rungs = Total Tier 3.",
    )


DIRECT_PAYMENTS = "Direct Payments"
TIER2_RUNGS = ("Reablement", "Short Term Care")
PLACEMENT_PEOPLE = ("out_of_area_placements",)  # people in every market
DP_RECIPIENTS = ("providers", "providers_in_area")  # people in the Direct Payments market only
SUPPLIER_SHARES = ("top5_share_pct", "hhi", "largest_supplier_share_pct", "single_supplier_dependency")
# mps_02's `market_note`: what the row's provider figures mean, so that no market shows an HHI beside
# `[z]` shares without saying why (issue 30).
NOTE_RECIPIENTS = ("Direct payments: 'providers' counts the people receiving the payments (recipients), "
                   "not care providers")
NOTE_SINGLE = "Single provider: concentration measures not applicable"
NOTE_NONE = "No provider with spend in the month"
NOTE_TIER2 = "Short-term (Tier 2) market: shares are not published for Tier 2; HHI only"


def market_note(row: Mapping[str, Any]) -> str:
    """The note on a market row (`market_note` of mps_02)."""
    rung, providers = row.get("care_ladder_rung"), row.get("providers")
    if rung == DIRECT_PAYMENTS:
        return NOTE_RECIPIENTS
    if isinstance(providers, (int, float, Decimal)) and providers < 2:
        return NOTE_SINGLE if providers == 1 else NOTE_NONE
    return NOTE_TIER2 if rung in TIER2_RUNGS else ""


def coherent_market(row: dict[str, Any]) -> dict[str, Any]:
    """A market with fewer than 2 providers (other than Direct Payments, whose recipients are
    suppressed as people) has no concentration: its shares, HHI and dependency flag are `[z]` and
    its note says "single provider", instead of an HHI of 10,000 beside `[z]` shares."""
    note = market_note(row)
    if note in (NOTE_SINGLE, NOTE_NONE):
        row.update({c: None for c in SUPPLIER_SHARES if c in row})
    row["market_note"] = note
    return row


def provider_concentration(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    cols = ["care_ladder_rung", "providers", "providers_in_area", "spend", "top5_share_pct", "hhi",
            "largest_supplier_share_pct", "single_supplier_dependency", "out_of_area_placements"]
    have = set(mart_columns(con, "provider_concentration_monthly") or [])
    cols = [c for c in cols if c in have]  # largest_supplier_id is deliberately not published
    where, params = for_council(have, ctx, "where month = ?", [ctx.month])
    rows = [coherent_market(r) for r in
            query(con, f"select {', '.join(cols)} from marts.provider_concentration_monthly {where}", params)]
    rows.sort(key=lambda r: _order(r["care_ladder_rung"], RUNG_ORDER))
    cols.append("market_note")
    people = [c for c in PLACEMENT_PEOPLE if c in cols]
    people += [f"{c} ({DIRECT_PAYMENTS})" for c in DP_RECIPIENTS if c in cols]
    return _finish(
        id="provider_concentration", sheet="2 Provider concentration", filename="mps_02_provider_concentration.csv",
        title=f"Table 2: Provider concentration by market (care ladder rung), {ctx.period_label}",
        units="Providers (count); spend in pounds; shares in %; HHI 0-10,000 (sum of squared % shares).",
        source="Source: ContrOCC service lines and payments, marts.provider_concentration_monthly.",
        rows=rows, columns=cols, rule=concentration_rule(cols), people_columns=people,
        kinds={"market_note": "text"},
        notes=["HHI above 2,500 indicates a highly concentrated market; 1,500-2,500 moderately concentrated.",
               "A market with fewer than 2 providers has no concentration to measure: its shares, HHI and "
               "dependency flag are [z] and its market note says so.",
               "Providers are not named; a single-provider dependency is a largest share of 33.3% or more.",
               f"In the {DIRECT_PAYMENTS} market the 'providers' are the people receiving the payments: "
               "1-4 of them are suppressed, with the shares built on them."],
        groups_doc="None (no published total across markets).",
    )


def concentration_rule(cols: Sequence[str]) -> sup.SuppressionRule:
    """mps_02's suppression: out-of-area placements are people in every market; in the Direct
    Payments market each supplier is a person receiving the payment, so the provider counts are
    people too, and the shares of the largest suppliers (one person's share of the market) follow
    them."""
    people = tuple(c for c in PLACEMENT_PEOPLE if c in cols)
    recipients = tuple(c for c in DP_RECIPIENTS if c in cols)
    shares = {c: ("providers",) for c in SUPPLIER_SHARES if c in cols and "providers" in cols}

    def is_dp(row: Mapping[str, Any]) -> bool:
        return row.get("care_ladder_rung") == DIRECT_PAYMENTS

    return sup.SuppressionRule(
        keys=("care_ladder_rung",),
        people=lambda row: (*people, *recipients) if is_dp(row) else people,
        derived=lambda row: shares if is_dp(row) else {},
    )


def _annual_people_table(
    con: duckdb.DuckDBPyConnection, ctx: PackContext, *, mart: str, group_candidates: Sequence[str],
    order: Sequence[str], id: str, sheet: str, filename: str, title: str, source: str, notes: Sequence[str],
) -> PublishedTable:
    have = mart_columns(con, mart) or []
    measures_all = ("people", "package_cost", "average_cost")
    group_col = next((c for c in group_candidates if c in have), None) or next(
        (c for c in have if c not in ("financial_year", *measures_all) and is_published_column(c)), group_candidates[0])
    measures = [c for c in measures_all if c in have]
    loaded = ", months_loaded" if "months_loaded" in have else ""
    where, params = for_council(have, ctx)
    rows = query(con, f"select financial_year, {group_col}, {', '.join(measures)}{loaded} from marts.{mart} {where}",
                 params)
    years = latest_financial_years(rows, ctx)
    rows = [r for r in rows if str(r["financial_year"]) in years]
    for r in rows:
        r["financial_year"] = str(r["financial_year"])
        r["status"] = fy_status(r.get("months_loaded"))
    rows.sort(key=lambda r: (r["financial_year"], _order(r[group_col], order)))
    rule = sup.static_rule(["financial_year", group_col], ["people"], derived={"average_cost": ("people",)},
                           groups=[sup.GroupSpec(group_col, "Total", ("people",))])
    return _finish(
        id=id, sheet=sheet, filename=filename, title=title,
        units="People with an active service on 31 March; package cost = committed cost in the year (£); "
              "average cost = package cost / people (£).",
        source=source, rows=rows, columns=["financial_year", "status", group_col, *measures], rule=rule,
        people_columns=("people",), notes=[*notes, "Financial years that ended by the period; the latest three are shown."],
        groups_doc=f"Per financial year: the {group_col.replace('_', ' ')} rows = Total.",
    )


def client_base(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    return _annual_people_table(
        con, ctx, mart="client_base_annual", group_candidates=("client_category",), order=CLIENT_CATEGORIES,
        id="client_base", sheet="3 Client base", filename="mps_03_client_base.csv",
        title="Table 3: Council client base and spend by client category and financial year (MPS table 2.4)",
        source="Source: council social care records, marts.client_base_annual.",
        notes=["Client category from the Primary Support Reason and age at 31 March."],
    )


def older_people_service_type(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    return _annual_people_table(
        con, ctx, mart="older_people_service_type_annual",
        group_candidates=("service_type", "rung_group", "care_ladder_rung"), order=OP_SERVICE_TYPES,
        id="older_people_service_type", sheet="4 Older people by service",
        filename="mps_04_older_people_service_type.csv",
        title="Table 4: Older people (65+) - people and spend by service type and financial year",
        source="Source: council social care records, marts.older_people_service_type_annual.",
        notes=["People may receive more than one service type, so service types can add to more than the total."],
    )


def _generic(
    con: duckdb.DuckDBPyConnection, ctx: PackContext, *, mart: str, where: str, params: Sequence[Any],
    keys: Sequence[str], sort: Callable[[Mapping[str, Any]], Any], id: str, sheet: str, filename: str, title: str,
    units: str, source: str, notes: Sequence[str] = (), add_area_name: bool = False,
) -> PublishedTable:
    """A table whose columns are whatever the mart holds (minus `month` and never-published columns)."""
    have = mart_columns(con, mart) or []
    cols = [c for c in have if c != "month" and is_published_column(c)]
    select_list = ", ".join('"' + c + '"' for c in cols)
    where, params = for_council(have, ctx, where, params)
    rows = query(con, f"select {select_list} from marts.{mart} {where}", params)
    if add_area_name and "area_code" in cols and "area_name" not in cols:
        cols.insert(cols.index("area_code") + 1, "area_name")
        for r in rows:
            r["area_name"] = ctx.area_name(str(r["area_code"]))
    rows.sort(key=sort)
    people = [c for c in cols if is_people_column(c)]
    derived = {c: tuple(people) for c in cols if people and c not in people and is_derived_candidate(c)
               and infer_kind(c) in ("pct", "rate", "money")}
    rule = sup.static_rule([k for k in keys if k in cols], people, derived=derived)
    return _finish(id=id, sheet=sheet, filename=filename, title=title, units=units, source=source, rows=rows,
                   columns=cols, rule=rule, notes=notes, people_columns=people,
                   groups_doc="None (no published totals).")


def _key(*parts: Any) -> tuple:
    """A sort key that orders numbers numerically and never compares a number with text."""
    return tuple((0, float(p), "") if isinstance(p, (int, float, Decimal)) and not isinstance(p, bool)
                 else (1, 0.0, "" if p is None else str(p)) for p in parts)


def cqc_market(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    return _generic(
        con, ctx, mart="cqc_market_monthly", where="where month = ?", params=[ctx.month],
        keys=("service_type", "area_code"),
        sort=lambda r: (ctx.area_rank(str(r.get("area_code"))), str(r.get("area_code")), str(r.get("service_type"))),
        id="cqc_market", sheet="5 CQC market", filename="mps_05_cqc_market.csv",
        title=f"Table 5: CQC-registered care market - the council area, its region and England, {ctx.period_label}",
        units="Locations and beds (counts); shares in % of rated locations (Overall rating).",
        source="Source: CQC HSCA Active Locations and Latest Ratings files for the month, marts.cqc_market_monthly.",
        notes=["Locations are services, not people: no suppression applies."], add_area_name=True,
    )


def cqc_market_changes(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    return _generic(
        con, ctx, mart="cqc_market_changes_monthly", where="where month = ?", params=[ctx.month],
        keys=("location_id", "change", "service_type"),
        sort=lambda r: _key(r.get("change"), r.get("service_type"), r.get("location_id")),
        id="cqc_market_changes", sheet="6 Market changes", filename="mps_06_cqc_market_changes.csv",
        title=f"Table 6: CQC locations opened and closed in the council area, {ctx.period_label}",
        units="One row per location, change and service type; beds (count).",
        source="Source: CQC HSCA Active Locations files (this month against last month), "
               "marts.cqc_market_changes_monthly.",
        notes=["Opened: in this month's CQC file but not last month's; closed: the reverse."],
    )


def demography(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    return _generic(
        con, ctx, mart="demography", where="", params=[], keys=("area_code",),
        sort=lambda r: (ctx.area_rank(str(r.get("area_code"))), str(r.get("area_code"))),
        id="demography", sheet="7 Demography", filename="mps_07_demography.csv",
        title="Table 7: Demography - population, disability and growth, the council and comparators",
        units="People (count); percentages 0-100.",
        source="Source: ONS Census 2021 (TS007A, TS038) and ONS mid-year estimates 2011-2021, marts.demography.",
        add_area_name=True,
    )


def population_projections(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    return _generic(
        con, ctx, mart="population_projections", where="", params=[], keys=("area_code", "year"),
        sort=lambda r: (ctx.area_rank(str(r.get("area_code"))), str(r.get("area_code")), _key(r.get("year"))),
        id="population_projections", sheet="8 Population projections", filename="mps_08_population_projections.csv",
        title="Table 8: Projected older population (65+, 75+, 85+) by year",
        units="People (count, as projected by ONS).",
        source="Source: ONS subnational population projections (persons), marts.population_projections.",
        add_area_name=True,
    )


NATIONAL_COMPARATORS_FILE = "reference/national_comparators.csv"
ENGLAND_NOTE = "England per 100,000"  # how the table's note on England's figures starts


def care_home_admissions(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    have = mart_columns(con, "care_home_admissions_annual") or []
    cols = ["financial_year", "age_band",
            *[c for c in ("admissions", "population", "population_year", "per_100k", "england_per_100k") if c in have]]
    extra = "".join(f", {c}" for c in ("months_loaded", "ascof_measure", "england_source") if c in have)
    where, params = for_council(have, ctx)
    rows = query(con, f"select {', '.join(cols)}{extra} from marts.care_home_admissions_annual {where}", params)
    years = latest_financial_years(rows, ctx)
    rows = [{**r, "financial_year": str(r["financial_year"]), "status": fy_status(r.get("months_loaded"))}
            for r in rows if str(r["financial_year"]) in years]
    rows.sort(key=lambda r: (r["financial_year"], _order(r["age_band"], AGE_ORDER)))
    rule = sup.static_rule(["financial_year", "age_band"], ["admissions"], derived={"per_100k": ("admissions",)},
                           groups=[sup.GroupSpec("age_band", "All", ("admissions",), ("18-64", "65+"))])
    notes = ["Age at the start of the service. Financial years that ended by the period; the latest three are shown."]
    source = "Source: council social care records and ONS mid-year estimates, marts.care_home_admissions_annual."
    if "england_per_100k" in have:
        source = source.removesuffix(".") + f"; England: the council's {NATIONAL_COMPARATORS_FILE}."
        notes.append(england_note(rows))
    return _finish(
        id="care_home_admissions", sheet="9 Care home admissions", filename="mps_09_care_home_admissions.csv",
        title="Table 9: Permanent admissions to residential and nursing care homes (ASCOF 2B/2C)",
        units="People admitted in the financial year; population (ONS mid-year estimate); rate per 100,000.",
        source=source, rows=rows, columns=[cols[0], "status", *cols[1:]], rule=rule, people_columns=("admissions",),
        notes=notes, groups_doc="Per financial year: 18-64 + 65+ = All (when an All row is published).",
    )


def england_note(rows: Sequence[Mapping[str, Any]]) -> str:
    """The note naming England's figures' sources, or saying none is held (the file is optional)."""
    held = [r for r in rows if r.get("england_per_100k") is not None]
    if not held:
        return (f"{ENGLAND_NOTE}: not held ({NATIONAL_COMPARATORS_FILE} has no row for these financial years, "
                "or the council has not provided the file).")
    sources = "; ".join(dict.fromkeys(f"{r.get('ascof_measure') or r['age_band']} {r['financial_year']}: "
                                      f"{r.get('england_source')}" for r in held))
    missing = sorted({r["financial_year"] for r in rows} - {r["financial_year"] for r in held})
    gap = f" No England figure is held for {', '.join(missing)}." if missing else ""
    return f"{ENGLAND_NOTE} from {NATIONAL_COMPARATORS_FILE} ({sources}).{gap}"


def dps_lot_demand(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    have = mart_columns(con, "dps_lot_demand_monthly") or []
    keys = tuple(c for c in have if c != "month" and infer_kind(c) in ("text",)) or ("lot",)
    return _generic(
        con, ctx, mart="dps_lot_demand_monthly", where="where month = ?", params=[ctx.month], keys=keys,
        sort=lambda r: _key(*(r.get(k) for k in keys), *r.values()),
        id="dps_lot_demand", sheet="10 DPS lot demand", filename="mps_10_dps_lot_demand.csv",
        title=f"Table 10: Dynamic Purchasing System - demand by lot, {ctx.period_label}",
        units="Packages (one per person) active in the month.",
        source="Source: ContrOCC service lines mapped to DPS lots, marts.dps_lot_demand_monthly.",
    )


PROJECTION_AGE_ORDER = ("18-64", "65-74", "75-84", "85+")


def need_prevalence(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    return _generic(
        con, ctx, mart="need_prevalence_annual", where="", params=[], keys=("measure", "age_band", "year"),
        sort=lambda r: (str(r.get("measure")), _order(r.get("age_band"), PROJECTION_AGE_ORDER), _key(r.get("year"))),
        id="need_prevalence", sheet="Need prevalence", filename="need_prevalence.csv",
        title="Need prevalence: people in the council's population expected to have a need, by age band and year",
        units="People (estimates: projected population x prevalence rate, not people known to the council); "
              "rates in %.",
        source="Source: the council's reference/prevalence_rates.csv (each rate's own source in `rate_source`) x "
               "ONS subnational population projections; marts.need_prevalence_annual.",
        notes=["POPPI/PANSI-style estimates: a rate marked Illustrative is not a published rate."],
    )


@dataclass(frozen=True)
class BuiltIn:
    """A table built by `orchestration.pack.<module>.<name>` (statutory.py, projections.py), imported when
    the table is built (those modules import this one). `uses`: the id of a table built before it in
    MPS_TABLES that the builder takes as its third argument, instead of building it again."""
    module: str
    name: str
    uses: str | None = None

    def __call__(self, con: duckdb.DuckDBPyConnection, ctx: PackContext,
                 built: Sequence[PublishedTable] = ()) -> PublishedTable:
        fn = getattr(importlib.import_module(f"orchestration.pack.{self.module}"), self.name)
        if self.uses is None:
            return fn(con, ctx)
        return fn(con, ctx, next((t for t in built if t.id == self.uses), None))


MPS_TABLES: tuple[tuple[str, Callable[[duckdb.DuckDBPyConnection, PackContext], PublishedTable]], ...] = (
    ("care_ladder_monthly", care_ladder),
    ("provider_concentration_monthly", provider_concentration),
    ("client_base_annual", client_base),
    ("older_people_service_type_annual", older_people_service_type),
    ("cqc_market_monthly", cqc_market),
    ("cqc_market_changes_monthly", cqc_market_changes),
    ("demography", demography),
    ("population_projections", population_projections),
    ("care_home_admissions_annual", care_home_admissions),
    ("dps_lot_demand_monthly", dps_lot_demand),
    ("statutory_returns_annual", BuiltIn("statutory", "statutory_returns")),
    ("statutory_returns_reconciliation", BuiltIn("statutory", "statutory_reconciliation", uses="statutory_returns")),
    ("demand_projection_annual", BuiltIn("projections", "demand_projection")),
    ("need_prevalence_annual", need_prevalence),
    ("scenario_projection_annual", BuiltIn("projections", "scenarios", uses="demand_projection")),
)
