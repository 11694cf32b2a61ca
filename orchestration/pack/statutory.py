"""The statutory returns preview (issue 29): SALT LTS001a/b and ASCOF 2B/2C by NHS England's CLD
method beside ours (marts.statutory_returns_annual), and why the ASCOF figures differ
(marts.statutory_returns_reconciliation): two published tables and the report's section.

Suppression (suppression.py's mechanisms, OUTPUTS.md "Published pack"): people counts of 1-4 are
`[c]`; SALT `Total` = the sum of its settings is an equation (secondary suppression); a rate per
100,000 is hidden with its numerator (another row of the same measure); the reconciliation's rows of
a measure add up to `ascw - NHS England`, which the first table publishes when both numerators are,
so that sum is an equation too: when it would reveal a hidden row, another is hidden, and when no
other non-zero row is left, every row of the measure is."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from orchestration.pack import suppression as sup
from orchestration.pack.columns import label
from orchestration.pack.report_format import find, published_table
from orchestration.pack.tables import (
    AGE_ORDER,
    Column,
    PackContext,
    PublishedTable,
    _order,
    for_council,
    fy_status,
    latest_financial_years,
    mart_columns,
    query,
)

ENGLAND, OURS = "NHS England CLD", "ascw"
MEASURE_ORDER = ("SALT LTS001a", "SALT LTS001b", "ASCOF 2B", "ASCOF 2C")
BREAKDOWN_ORDER = ("Total", "Setting: Community", "Setting: Residential", "Setting: Nursing", "Setting: Prison",
                   "Numerator", "Population", "Per 100,000")
REASON_ORDER = ("placement closed before the snapshot", "earlier placement ended before the year",
                "earlier placement ended in the year", "age band differs by the reference date", "other")
DIRECTION_ORDER = ("ascw only", "NHS England only")
METHOD_COLUMNS = {ENGLAND: "england_method", OURS: "ascw_method"}
NOT_PEOPLE = ("Population", "Per 100,000")


def _years(con: duckdb.DuckDBPyConnection, ctx: PackContext, mart: str, cols: Sequence[str]) -> list[dict[str, Any]]:
    have = mart_columns(con, mart) or []
    where, params = for_council(have, ctx)
    rows = query(con, f"select {', '.join(cols)} from marts.{mart} {where}", params)
    years = latest_financial_years(rows, ctx)
    return [{**r, "financial_year": str(r["financial_year"])} for r in rows if str(r["financial_year"]) in years]


def _table(*, id: str, sheet: str, filename: str, title: str, units: str, source: str, rows: list[dict[str, Any]],
           columns: Sequence[Column], result: sup.SuppressionResult, notes: Sequence[str], groups_doc: str,
           people_columns: Sequence[str]) -> PublishedTable:
    rows = [{c.name: r.get(c.name) for c in columns} for r in rows]
    extra = [] if rows else ["There are no rows for this period."]
    return PublishedTable(id, sheet, filename, title, units, source, list(columns), sup.apply(rows, result.hidden),
                          result, [*notes, *extra], tuple(people_columns), groups_doc)


def _value_kind(row: Mapping[str, Any]) -> str:
    return "rate" if row.get("breakdown") == "Per 100,000" else "count"


# ---------------------------------------------------------------- the returns, both methods
def returns_rows(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> list[dict[str, Any]]:
    """One row per financial year x measure x age band x breakdown, a column per method."""
    wide: dict[tuple, dict[str, Any]] = {}
    for r in _years(con, ctx, "statutory_returns_annual",
                    ["financial_year", "measure", "age_band", "breakdown", "method", "value", "months_loaded"]):
        key = (r["financial_year"], r["measure"], r["age_band"], r["breakdown"])
        row = wide.setdefault(key, {"financial_year": key[0], "status": fy_status(r.get("months_loaded")),
                                    "measure": key[1], "age_band": key[2], "breakdown": key[3],
                                    "england_method": None, "ascw_method": None})
        value = r["value"]
        if value is not None and _value_kind(row) == "count":
            value = int(round(value))
        row[METHOD_COLUMNS[r["method"]]] = value
    return sorted(wide.values(), key=lambda r: (r["financial_year"], _order(r["measure"], MEASURE_ORDER),
                                                _order(r["age_band"], AGE_ORDER), _order(r["breakdown"], BREAKDOWN_ORDER)))


def _rate_cells(rows: Sequence[Mapping[str, Any]], hidden: set[sup.Cell]) -> set[sup.Cell]:
    """Per 100,000 cells whose numerator (the `Numerator` row of the measure, same column) is hidden."""
    numerator = {(r["financial_year"], r["measure"], r["age_band"]): i for i, r in enumerate(rows)
                 if r["breakdown"] == "Numerator"}
    out = set()
    for i, r in enumerate(rows):
        n = numerator.get((r["financial_year"], r["measure"], r["age_band"]))
        if r["breakdown"] != "Per 100,000" or n is None:
            continue
        out |= {(i, col) for col in METHOD_COLUMNS.values() if r.get(col) is not None and (n, col) in hidden}
    return out


def suppress_returns(rows: Sequence[Mapping[str, Any]]) -> sup.SuppressionResult:
    people = tuple(METHOD_COLUMNS.values())
    primary = sup.primary_cells(rows, lambda r: () if r["breakdown"] in NOT_PEOPLE else people)
    equations = sup.build_equations(rows, ("financial_year", "measure", "age_band", "breakdown"),
                                    [sup.GroupSpec("breakdown", "Total", people)])
    values = {(i, c): v for i, r in enumerate(rows) for c, v in r.items()}
    secondary = sup.secondary_cells(values, primary, equations)
    derived = _rate_cells(rows, primary | secondary)
    return sup.SuppressionResult(frozenset(primary), frozenset(secondary), frozenset(derived))


def statutory_returns(con: duckdb.DuckDBPyConnection, ctx: PackContext) -> PublishedTable:
    rows = returns_rows(con, ctx)
    columns = [
        Column("financial_year", "text", label("financial_year")), Column("status", "text", label("status")),
        Column("measure", "text", label("measure")), Column("age_band", "text", label("age_band")),
        Column("breakdown", "text", label("breakdown")),
        Column("england_method", "count", label("england_method"), _value_kind),
        Column("ascw_method", "count", label("ascw_method"), _value_kind),
    ]
    return _table(
        id="statutory_returns", sheet="11 Statutory returns", filename="mps_11_statutory_returns.csv",
        title="Table 11: Statutory returns preview - SALT LTS001a/b and ASCOF 2B/2C, NHS England's CLD method and ours",
        units="People in long-term support (SALT); admissions, population (ONS mid-year estimate) and rate per "
              "100,000 (ASCOF).",
        source="Source: council CLD submissions, NHS England's published CLD replication code (NHSDigital/"
               "ASC-Client-Level-Data-SALT-ASCOF-transformations), ONS mid-year estimates; "
               "marts.statutory_returns_annual.",
        rows=rows, columns=columns, result=suppress_returns(rows), people_columns=tuple(METHOD_COLUMNS.values()),
        notes=["SALT LTS001a: people in long-term support at any time in the year; LTS001b: on 31 March. "
               "ASCOF 2B (18-64) / 2C (65+): admissions to residential and nursing care. NHS England's age is from "
               "the 1st of the birth month, on 31 March (SALT) or the 1 April after the year (ASCOF); ours for "
               "ASCOF is at admission. [z] in the ascw column: we do not produce the measure. Financial years "
               "whose March is loaded and that ended by the period."],
        groups_doc="Per financial year, measure and age band: SALT Total = Community + Residential + Nursing "
                   "(+ Prison, NHS England's method).",
    )


# ---------------------------------------------------------------- the reconciliation
def reconciliation_rows(con: duckdb.DuckDBPyConnection, ctx: PackContext, returns: PublishedTable) -> list[dict[str, Any]]:
    rows = _years(con, ctx, "statutory_returns_reconciliation",
                  ["financial_year", "measure", "age_band", "counted_by", "reason", "admissions", "difference"])
    status = {r["financial_year"]: r["status"] for r in returns.rows}
    rows = [{**r, "status": status.get(r["financial_year"], "Final")} for r in rows]
    return sorted(rows, key=lambda r: (r["financial_year"], _order(r["measure"], MEASURE_ORDER),
                                       _order(r["counted_by"], DIRECTION_ORDER), _order(r["reason"], REASON_ORDER)))


def suppress_reconciliation(rows: Sequence[Mapping[str, Any]], returns: PublishedTable) -> sup.SuppressionResult:
    """Primary on `admissions`; per measure the rows add up to the published difference of the two
    numerators (when both are published): an equation with a published total."""
    primary = sup.primary_cells(rows, lambda r: ("admissions",))
    published_difference = {
        (r["financial_year"], r["measure"]) for r in returns.rows
        if r["breakdown"] == "Numerator" and all(r.get(c) != sup.SUPPRESSED for c in METHOD_COLUMNS.values())
    }
    members: dict[tuple, list[sup.Cell]] = {}
    for i, r in enumerate(rows):
        members.setdefault((r["financial_year"], r["measure"]), []).append((i, "admissions"))
    equations, totals = [], {}
    for n, (key, cells) in enumerate(sorted(members.items())):
        if key in published_difference:
            totals[key] = (-1 - n, "difference_published")  # a cell outside the table: never hidden by us
            equations.append(sup.Equation(tuple(cells), totals[key]))
    values = {(i, c): v for i, r in enumerate(rows) for c, v in r.items()}
    secondary = sup.secondary_cells(values, primary, equations)
    for key, total in totals.items():
        if total in secondary:  # nothing else to hide in the measure: hide all its rows
            secondary.discard(total)
            secondary |= set(members[key]) - primary
    hidden = primary | secondary
    derived = {(i, "difference") for i, _ in hidden if rows[i].get("difference") is not None}
    return sup.SuppressionResult(frozenset(primary), frozenset(secondary), frozenset(derived))


def statutory_reconciliation(con: duckdb.DuckDBPyConnection, ctx: PackContext,
                             returns: PublishedTable | None = None) -> PublishedTable:
    returns = returns or statutory_returns(con, ctx)
    rows = reconciliation_rows(con, ctx, returns)
    columns = [
        Column("financial_year", "text", label("financial_year")), Column("status", "text", label("status")),
        Column("measure", "text", label("measure")), Column("age_band", "text", label("age_band")),
        Column("counted_by", "text", label("counted_by")), Column("reason", "text", label("reason")),
        Column("admissions", "count", label("admissions")),
        Column("difference", "count", label("difference")),
    ]
    return _table(
        id="statutory_reconciliation", sheet="12 ASCOF reconciliation",
        filename="mps_12_statutory_reconciliation.csv",
        title="Table 12: ASCOF 2B/2C - admissions counted by one method and not the other, by reason",
        units="Admissions (people); the difference column adds up, per measure, to ours minus NHS England's.",
        source="Source: marts.statutory_returns_reconciliation.",
        rows=rows, columns=columns, result=suppress_reconciliation(rows, returns), people_columns=("admissions",),
        notes=["People are matched on NHS England's ID (NHS number, else LA identifier). Reasons, first that "
               "applies: the other method counts the person in the other age band (age at admission against age on "
               "the 1 April after the year); ascw only: no placement that started in the year is open on the 1 April "
               "after it; NHS England only: a placement ended in the 365 days before the year, or a placement from "
               "before the year ended in it (a move between homes) (ours: not new either way); other: several LA "
               "identifiers with one NHS number, client type, event versions."],
        groups_doc="Per financial year and measure: the differences add up to ascw - NHS England (table 11's "
                   "numerators).",
    )


# ---------------------------------------------------------------- the report's section
def _shown(table: PublishedTable) -> str:
    return published_table(table, [c.name for c in table.columns if c.name != "status"])


def report_section(tables: Sequence[PublishedTable]) -> str:
    """Both methods side by side, then the reconciliation, from the published (suppressed) tables."""
    returns = find(tables, "statutory_returns")
    reconciliation = find(tables, "statutory_reconciliation")
    if returns is None or not returns.rows:
        return '<p class="note">No financial year whose March is loaded has ended by this period.</p>'
    parts = [_shown(returns)]
    if reconciliation is not None and reconciliation.rows:
        parts.append('<p class="note">Why ASCOF 2B/2C differ: admissions counted by one method and not the other. '
                     'The differences of a measure add up to ours minus NHS England\'s numerator.</p>')
        parts.append(_shown(reconciliation))
    return "".join(parts)
