"""Small-number suppression for published tables (pure functions, no I/O).

A table is a sequence of rows (mappings column -> value). A *cell* is ``(row index, column)``.

Rules (OUTPUTS.md, "Published pack"):

1. **Primary**: any count of people from 1 to 4 (``0 < value < 5``, so weighted survey counts are
   covered too) is suppressed. Zero is published.
2. **Complement**: where a people count ``part`` is a subset of a published people count ``whole``
   (e.g. a KPI numerator of its denominator), ``whole - part`` is a count of people too; when it is
   1 to 4 the ``part`` is suppressed.
3. **Secondary**: every additive group ``total = sum(members) + remainder`` is an equation a reader
   can solve. The remainder is whatever the total holds beyond its published members (the care
   ladder's `All` counts people under 18 or of unknown age, who are in neither published band;
   a category `Total` of distinct people is less than the sum when someone is in two categories):
   it is never published, so when it is 1 to 4 people (either sign) it counts as a suppressed
   cell of the equation. If exactly one cell of an equation (a member, its total or that
   remainder) is suppressed, the smallest other published non-zero member is suppressed too
   (ties: first in row order); if there is none, the total is. Repeated over all equations until
   nothing changes.
4. **Derived**: a rate, average, share or RAG built on a people count is suppressed wherever that
   count is (after steps 1-3), so the count cannot be recovered by multiplication. A null (not
   applicable) stays null: there is nothing to hide.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Number
from typing import Any

Cell = tuple[int, str]
Row = Mapping[str, Any]

SUPPRESSED = "[c]"
SMALL_MIN_EXCLUSIVE = 0
SMALL_MAX_EXCLUSIVE = 5


def is_small_count(value: Any) -> bool:
    """True for a count of people that must be suppressed (1 to 4; fractional weighted counts too)."""
    if value is None or isinstance(value, bool) or not isinstance(value, Number):
        return False
    return SMALL_MIN_EXCLUSIVE < float(value) < SMALL_MAX_EXCLUSIVE


@dataclass(frozen=True)
class Equation:
    """A published additive relation: ``total = sum(members) + remainder`` (all cells of one
    column). ``small_remainder``: the unpublished remainder is 1 to 4 people, so it is a hidden
    cell of the equation that subtraction must not reveal."""

    members: tuple[Cell, ...]
    total: Cell
    small_remainder: bool = False


@dataclass(frozen=True)
class GroupSpec:
    """Rows that differ only in ``vary`` and whose ``vary`` value is in ``members`` add up to the row
    whose ``vary`` value is ``total`` (the other key columns equal), for each of ``columns``.
    ``members=None`` means every value other than ``total``."""

    vary: str
    total: str
    columns: tuple[str, ...]
    members: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SuppressionRule:
    """How to suppress one table. The callables take a row and answer for that row."""

    keys: tuple[str, ...]
    people: Callable[[Row], Iterable[str]]
    derived: Callable[[Row], Mapping[str, Sequence[str]]] = lambda row: {}
    complements: Callable[[Row], Sequence[tuple[str, str]]] = lambda row: ()
    groups: tuple[GroupSpec, ...] = ()


@dataclass(frozen=True)
class SuppressionResult:
    primary: frozenset[Cell]
    secondary: frozenset[Cell]  # complement + secondary (equations) cells
    derived: frozenset[Cell]

    @property
    def hidden(self) -> frozenset[Cell]:
        return self.primary | self.secondary | self.derived

    def counts_by_column(self) -> dict[str, dict[str, int]]:
        """column -> {"primary": n, "secondary": n, "derived": n, "total": n}."""
        out: dict[str, dict[str, int]] = {}
        for kind, cells in (("primary", self.primary), ("secondary", self.secondary), ("derived", self.derived)):
            for _, col in cells:
                entry = out.setdefault(col, {"primary": 0, "secondary": 0, "derived": 0, "total": 0})
                entry[kind] += 1
                entry["total"] += 1
        return dict(sorted(out.items()))


def static_rule(
    keys: Sequence[str],
    people: Iterable[str],
    derived: Mapping[str, Sequence[str]] | None = None,
    groups: Sequence[GroupSpec] = (),
) -> SuppressionRule:
    """A rule whose column roles are the same on every row."""
    people_t = tuple(people)
    derived_d = dict(derived or {})
    return SuppressionRule(
        keys=tuple(keys), people=lambda row: people_t, derived=lambda row: derived_d, groups=tuple(groups)
    )


def primary_cells(rows: Sequence[Row], people: Callable[[Row], Iterable[str]]) -> set[Cell]:
    """Cells holding a people count from 1 to 4."""
    return {(i, col) for i, row in enumerate(rows) for col in people(row) if col in row and is_small_count(row[col])}


def complement_cells(rows: Sequence[Row], complements: Callable[[Row], Sequence[tuple[str, str]]]) -> set[Cell]:
    """Parts whose complement in their whole (``whole - part``) is 1 to 4 people."""
    out: set[Cell] = set()
    for i, row in enumerate(rows):
        for part, whole in complements(row):
            p, w = row.get(part), row.get(whole)
            if isinstance(p, Number) and isinstance(w, Number) and is_small_count(float(w) - float(p)):
                out.add((i, part))
    return out


def build_equations(rows: Sequence[Row], keys: Sequence[str], groups: Sequence[GroupSpec]) -> list[Equation]:
    """Expand group specs into concrete equations over the rows present (no total row, no equation)."""
    equations: list[Equation] = []
    for spec in groups:
        others = [k for k in keys if k != spec.vary]
        buckets: dict[tuple, dict[str, list[int]]] = {}
        for i, row in enumerate(rows):
            bucket = buckets.setdefault(tuple(row.get(k) for k in others), {"members": [], "total": []})
            value = row.get(spec.vary)
            if value == spec.total:
                bucket["total"].append(i)
            elif spec.members is None or value in spec.members:
                bucket["members"].append(i)
        for bucket in buckets.values():
            if len(bucket["total"]) != 1 or not bucket["members"]:
                continue
            t = bucket["total"][0]
            for col in spec.columns:
                members = tuple((m, col) for m in bucket["members"])
                equations.append(Equation(members, (t, col), small_remainder(rows, members, (t, col))))
    return equations


def small_remainder(rows: Sequence[Row], members: Sequence[Cell], total: Cell) -> bool:
    """True when ``total - sum(members)`` is 1 to 4 people in either direction (float noise from
    weighted counts is not a remainder); False when any of the values is not a number."""
    values = [_numeric(rows[i].get(col)) for i, col in (*members, total)]
    if any(v is None for v in values):
        return False
    remainder = round(values[-1] - sum(values[:-1]), 6)
    return is_small_count(abs(remainder))


def _numeric(value: Any) -> float | None:
    if value is None or isinstance(value, bool) or not isinstance(value, Number):
        return None
    return float(value)


def secondary_cells(
    values: Mapping[Cell, Any], suppressed: Iterable[Cell], equations: Sequence[Equation]
) -> set[Cell]:
    """Cells to suppress in addition to ``suppressed`` so that no equation has exactly one hidden cell.

    Returns only the added cells. Iterates until stable (termination: the hidden set only grows)."""
    hidden = set(suppressed)
    added: set[Cell] = set()
    changed = True
    while changed:
        changed = False
        for eq in equations:
            cells = (*eq.members, eq.total)
            if sum(c in hidden for c in cells) + eq.small_remainder != 1:
                continue
            candidates = [
                (v, idx, c)
                for idx, c in enumerate(eq.members)
                if c not in hidden and (v := _numeric(values.get(c))) is not None and v != 0
            ]
            if candidates:
                pick = min(candidates)[2]
            elif eq.total not in hidden:
                pick = eq.total
            else:  # total hidden, every member zero or null: the total is not recoverable anyway
                continue
            hidden.add(pick)
            added.add(pick)
            changed = True
    return added


def derived_cells(rows: Sequence[Row], derived: Callable[[Row], Mapping[str, Sequence[str]]], hidden: set[Cell]) -> set[Cell]:
    """Rates/averages/shares whose basis count is hidden in the same row (chains resolved)."""
    out: set[Cell] = set()
    for i, row in enumerate(rows):
        rules = derived(row)
        changed = True
        while changed:
            changed = False
            for col, basis in rules.items():
                cell = (i, col)
                if row.get(col) is not None and cell not in hidden and cell not in out and any(
                    (i, b) in hidden or (i, b) in out for b in basis
                ):
                    out.add(cell)
                    changed = True
    return out


def suppress(rows: Sequence[Row], rule: SuppressionRule) -> SuppressionResult:
    """Decide every suppressed cell of a table."""
    primary = primary_cells(rows, rule.people)
    complement = complement_cells(rows, rule.complements) - primary
    values = {(i, col): v for i, row in enumerate(rows) for col, v in row.items()}
    equations = build_equations(rows, rule.keys, rule.groups)
    secondary = secondary_cells(values, primary | complement, equations) | complement
    derived = derived_cells(rows, rule.derived, primary | secondary)
    return SuppressionResult(frozenset(primary), frozenset(secondary), frozenset(derived))


def apply(rows: Sequence[Row], hidden: Iterable[Cell], marker: str = SUPPRESSED) -> list[dict[str, Any]]:
    """Copies of the rows with hidden cells replaced by the marker."""
    out = [dict(r) for r in rows]
    for i, col in hidden:
        out[i][col] = marker
    return out


@dataclass
class SuppressionLog:
    """What was suppressed, for the manifest: one entry per (table, column)."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def add(self, table: str, result: SuppressionResult) -> None:
        for col, counts in result.counts_by_column().items():
            self.entries.append({"table": table, "column": col, "cells_suppressed": counts["total"],
                                 "primary": counts["primary"], "secondary": counts["secondary"],
                                 "derived": counts["derived"]})
