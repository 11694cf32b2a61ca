"""The SELECT a suite validates: the contract and lineage columns of a raw table plus the suite's
derived columns (``meta.derived``), for one council-month or, with each row's own month, for
several councils and months."""
from __future__ import annotations

from string import Template
from typing import Any

from orchestration.gates.sqlutil import partition_filter, parts_values, q, qualified, raw_table
from orchestration.months import month_end, parse_month
from orchestration.partitions_key import Part
from sources.contracts import FileType

LINEAGE = ["_council", "_month", "_file", "_line", "_load_id"]
# Stand-ins for the ${month_start}/${month_end} placeholders when months are read together:
# ``DATE '<stand-in>'`` becomes the joined month table's column.
_BATCH_DATES = {"month_start": "_gate_month_start", "month_end": "_gate_month_end"}
_BATCH_COLUMNS = ("_gate_council", *_BATCH_DATES.values())


def _columns(ft: FileType) -> list[str]:
    cols = [*ft.column_names]
    if ft.wide_year_columns:
        cols += [ft.extra["year_column"], ft.extra["value_column"]]
    return cols + LINEAGE


def _derived(suite_d: dict[str, Any], subst: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in suite_d["expectations"]:
        d = (e.get("meta") or {}).get("derived")
        if d:
            out[d["column"]] = Template(d["sql"]).substitute(subst)
    return out


def _select_list(ft: FileType, derived: dict[str, str]) -> str:
    return ", ".join([q(c) for c in _columns(ft)] + [f"({sql}) AS {q(name)}" for name, sql in derived.items()])


def select_sql(ft: FileType, suite_d: dict[str, Any], part: Part) -> tuple[str, list[Any]]:
    """SELECT of the council-month's rows to validate (in file and line order) and its parameters."""
    subst = {"month_start": parse_month(part.month).isoformat(), "month_end": month_end(part.month).isoformat()}
    where, params = partition_filter(ft, part)
    sql = (
        f"SELECT {_select_list(ft, _derived(suite_d, subst))} FROM {qualified(raw_table(ft))} "
        f"WHERE {where} ORDER BY _file, _line"
    )
    return sql, params


def batch_select_sql(ft: FileType, suite_d: dict[str, Any], parts: list[Part]) -> str | None:
    """SELECT of the rows of several council-months of a monthly file type, each row's derived
    columns computed with its own month's first/last day (unordered; no parameters).  None when a
    derived column uses a month placeholder other than as ``DATE '${...}'``."""
    marker = {k: f"\x00{v}\x00" for k, v in _BATCH_DATES.items()}
    derived = _derived(suite_d, marker)
    for name, sql in derived.items():
        for k, col in _BATCH_DATES.items():
            sql = sql.replace(f"DATE '{marker[k]}'", f"_gm.{col}")
        if "\x00" in sql:
            return None
        derived[name] = sql
    return (
        f"SELECT {_select_list(ft, derived)} FROM {qualified(raw_table(ft))} "
        f"JOIN (VALUES {parts_values(parts)}) AS _gm({', '.join(_BATCH_COLUMNS)}) "
        "ON _council = _gm._gate_council AND _month = _gm._gate_month_start"
    )
