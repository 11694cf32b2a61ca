"""From council-months to Dagster runs: the partitions to register and the runs that cover them.

Every monthly asset is partitioned by council x month (two dynamic dimensions: councils are added
when their landing folder appears, months when a month folder does). A Dagster run covers a
*rectangle* of those partitions: a range of councils times a range of months, in the order the
partitions were added (`dagster/asset_partition_range_start|end` tags; Dagster's
MultiPartitionsDefinition reads a range as the product of the ranges of its dimensions). So one
run loads every council-month of it, runs ONE validation and ONE `dbt build` for all of them, and
decides and publishes each council-month on its own. A region's monthly refresh (every council,
one new month) is one rectangle; so is a council's catch-up of many months. Council-months that do
not form one rectangle (councils with different months to refresh) become a few runs, each a
rectangle, run in order of their first month. The `ascw` command, the schedule and the sensor all
plan their runs here, so they run the same job the same way.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from orchestration.partitions_key import Part

COUNCILS = "councils"  # dynamic partitions: council ONS codes
MONTHS = "months"  # dynamic partitions: YYYY-MM
PARTITION_TAG = "dagster/partition"
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def _runs_of(indices: Iterable[int]) -> list[list[int]]:
    """Sorted indices split where they are not consecutive."""
    out: list[list[int]] = []
    for i in sorted(set(indices)):
        if out and out[-1][-1] + 1 == i:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def new_keys(existing: Sequence[str], wanted: Iterable[str]) -> list[str]:
    """The keys of `wanted` not yet in `existing`, sorted (registered in that order)."""
    have = set(existing)
    return sorted({k for k in wanted if k not in have})


def rectangles(parts: Iterable[Part], council_order: Sequence[str], month_order: Sequence[str]) -> list[list[Part]]:
    """`parts` as the fewest simple rectangles (councils contiguous in `council_order` x months
    contiguous in `month_order`): councils are grouped by the set of months they need, each
    group split into contiguous runs of councils and of months. Ordered by first month, then
    first council."""
    c_index = {c: i for i, c in enumerate(council_order)}
    m_index = {m: i for i, m in enumerate(month_order)}
    months_of: dict[str, set[int]] = defaultdict(set)
    for p in parts:
        months_of[p.council].add(m_index[p.month])
    groups: dict[frozenset[int], list[int]] = defaultdict(list)
    for council, months in months_of.items():
        groups[frozenset(months)].append(c_index[council])
    out: list[list[Part]] = []
    for months, councils in groups.items():
        for c_run in _runs_of(councils):
            for m_run in _runs_of(months):
                out.append([Part(council_order[c], month_order[m]) for c in c_run for m in m_run])
    return sorted(out, key=lambda rect: (m_index[rect[0].month], c_index[rect[0].council]))


def range_tags(rect: Sequence[Part]) -> dict[str, str]:
    """The run tags of a rectangle (its first and last partition keys)."""
    return {RANGE_START: rect[0].partition_key, RANGE_END: rect[-1].partition_key}


def describe(rect: Sequence[Part]) -> str:
    councils = list(dict.fromkeys(p.council for p in rect))
    months = list(dict.fromkeys(p.month for p in rect))
    who = councils[0] if len(councils) == 1 else f"{len(councils)} councils ({councils[0]}..{councils[-1]})"
    when = months[0] if len(months) == 1 else f"{months[0]}..{months[-1]} ({len(months)} months)"
    return f"{who} x {when}"
