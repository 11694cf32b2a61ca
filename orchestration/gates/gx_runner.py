"""Run one GX 1.x suite over rows streamed out of DuckDB in bounded chunks.

The rows are read with a cursor (``fetch_df_chunk``: ``chunk_vectors`` x 2048 rows at a time),
each chunk validated with an ephemeral GX context (pandas data source, whole-dataframe batch),
and the per-expectation results summed across chunks.  Nothing ever holds more than one chunk.
"""
from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import great_expectations as gx
import pandas as pd

from orchestration.gates.suites import SENSITIVE_COLUMNS, suite_from_json



@dataclass
class Unexpected:
    file: str | None
    line: int | None
    value: Any  # the raw value, or the derived value when the raw column is sensitive
    load_id: str | None = None


@dataclass
class ExpectationOutcome:
    meta: dict[str, Any]
    kwargs: dict[str, Any]
    row_level: bool = True
    success: bool = True
    element_count: int = 0
    unexpected_count: int = 0
    unexpected: list[Unexpected] = field(default_factory=list)
    value_counts: Counter = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def plain(v: Any) -> Any:
    """JSON-friendly scalar: NaN/NaT -> None, timestamps -> ISO date, numpy -> Python."""
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat() if v == v.normalize() else v.isoformat()
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    if hasattr(v, "item"):
        v = v.item()
        return None if isinstance(v, float) and math.isnan(v) else v
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def new_context() -> Any:
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = {"globally": False, "metric_calculations": False}
    return ctx


def _batch_definition(ctx: Any) -> Any:
    return ctx.data_sources.add_pandas("raw_rows").add_dataframe_asset("chunk").add_batch_definition_whole_dataframe("all")


@functools.lru_cache(maxsize=1)
def shared_batch_definition() -> Any:
    """A whole-dataframe batch definition on one ephemeral context, reused by every validation
    (building a context costs ~60 ms; the dataframe is a batch parameter of each validation)."""
    return _batch_definition(new_context())


def value_column(meta: dict[str, Any], columns: pd.Index) -> str | None:
    """The column whose value a failing row reports: the raw column, or the derived one when the
    raw column is sensitive (an age instead of a date of birth) or not in the frame."""
    col = meta["column"]
    derived = (meta.get("derived") or {}).get("column")
    if col in SENSITIVE_COLUMNS:
        return derived
    if col in columns:
        return col
    return derived if derived in columns else None


def example_row(meta: dict[str, Any], row: pd.Series, id_columns: list[str]) -> dict[str, Any]:
    ex: dict[str, Any] = {"file": plain(row.get("_file")), "line": plain(row.get("_line"))}
    for c in [*id_columns, *meta.get("show", [])]:
        if c in row.index and c not in SENSITIVE_COLUMNS:
            ex[c] = plain(row[c])
    col = meta["column"]
    derived = (meta.get("derived") or {}).get("column")
    if col in SENSITIVE_COLUMNS:
        if derived:
            ex[derived] = plain(row.get(derived))
    elif col in row.index:
        ex[col] = plain(row[col])
    if derived and derived in row.index and col not in SENSITIVE_COLUMNS and not meta.get("show"):
        ex[derived] = plain(row[derived])
    return ex


def validate_rows(
    con: duckdb.DuckDBPyConnection,
    suite_d: dict[str, Any],
    select_sql: str,
    params: list[Any],
    expectation_parameters: dict[str, Any],
    *,
    chunk_vectors: int = 64,
    max_examples: int = 5,
) -> list[ExpectationOutcome]:
    """Validate every row ``select_sql`` returns against the suite, chunk by chunk."""
    suite = suite_from_json(suite_d)
    id_columns = list((suite_d.get("meta") or {}).get("example_columns", []))
    outcomes = [ExpectationOutcome(meta=e["meta"], kwargs=e["kwargs"]) for e in suite_d["expectations"]]
    batch_def = shared_batch_definition()
    cur = con.cursor()
    try:
        cur.execute(select_sql, params)
        first = True
        while True:
            df = cur.fetch_df_chunk(chunk_vectors)
            if len(df) == 0 and not first:
                break
            first = False
            _validate_chunk(batch_def, suite, df, outcomes, expectation_parameters, id_columns, max_examples)
            if len(df) == 0:
                break
    finally:
        cur.close()
    return outcomes


def raised_error(r: Any) -> str | None:
    """The exception message of an expectation result that raised, else None."""
    info = r.exception_info or {}
    if isinstance(info, dict) and any(isinstance(v, dict) for v in info.values()):
        raised = [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
    else:
        raised = [info] if info.get("raised_exception") else []
    return str(raised[0].get("exception_message")) if raised else None


def _validate_chunk(
    batch_def: Any,
    suite: gx.ExpectationSuite,
    df: pd.DataFrame,
    outcomes: list[ExpectationOutcome],
    expectation_parameters: dict[str, Any],
    id_columns: list[str],
    max_examples: int,
) -> None:
    batch = batch_def.get_batch(batch_parameters={"dataframe": df})
    # Unexpected rows come back as pandas index labels (cheap); file/line/value are then read
    # from column arrays, and full rows are only built for the first few examples.
    res = batch.validate(
        suite,
        result_format={
            "result_format": "COMPLETE",
            "partial_unexpected_count": max_examples,
            "return_unexpected_index_query": False,
        },
        expectation_parameters=expectation_parameters,
    )
    by_name = {o.meta["name"]: o for o in outcomes}
    if len(res.results) != len(outcomes):
        raise RuntimeError(f"GX returned {len(res.results)} results for {len(outcomes)} expectations")
    files, lines, loads = (df[c].to_numpy() for c in ("_file", "_line", "_load_id"))
    for r in res.results:  # GX does not keep the suite's order: match on the name in meta
        outcome = by_name[r.expectation_config.meta["name"]]
        error = raised_error(r)
        if error is not None:
            outcome.success = False
            outcome.error = error
            continue
        result = r.result or {}
        if "unexpected_index_list" not in result and "element_count" not in result:
            outcome.row_level = False
            outcome.success = outcome.success and bool(r.success)
            outcome.details = {k: plain(v) if not isinstance(v, (dict, list)) else v for k, v in result.items()}
            continue
        outcome.element_count += int(result.get("element_count") or 0)
        outcome.unexpected_count += int(result.get("unexpected_count") or 0)
        outcome.success = outcome.success and bool(r.success)
        labels = result.get("unexpected_index_list") or []
        if not labels:
            continue
        record_unexpected(outcome, df, df.index.get_indexer(labels), id_columns, max_examples, (files, lines, loads))


def record_unexpected(
    outcome: ExpectationOutcome,
    df: pd.DataFrame,
    positions: Any,
    id_columns: list[str],
    max_examples: int,
    lineage: tuple[Any, Any, Any] | None = None,
) -> None:
    """Add the rows of ``df`` at ``positions`` (in order) to the outcome's failing rows, value
    counts and first examples."""
    files, lines, loads = lineage or tuple(df[c].to_numpy() for c in ("_file", "_line", "_load_id"))
    vcol = value_column(outcome.meta, df.columns)
    values = df[vcol].to_numpy() if vcol else None
    for pos in positions:
        value = plain(values[pos]) if values is not None else "(withheld)"
        outcome.unexpected.append(
            Unexpected(file=plain(files[pos]), line=plain(lines[pos]), value=value, load_id=plain(loads[pos]))
        )
        outcome.value_counts[str(value)] += 1
        if len(outcome.examples) < max_examples:
            outcome.examples.append(example_row(outcome.meta, df.iloc[pos], id_columns))
