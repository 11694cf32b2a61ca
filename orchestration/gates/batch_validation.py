"""One GX validation of a monthly file type over several council-months at once.

GX's pandas engine costs about as much per row as per expectation (it copies and hashes the
whole frame for each check), so validating a year of CLD row by row is slow however it is
batched.  Every row-level expectation the suites use (``ROW_WISE_TYPES``) judges a row on the
values of its own column(s) alone, so here GX runs over each expectation's DISTINCT values across
all requested months (each expectation on its own column(s); lists of similar length share a
frame, shorter ones repeated to its length; a not-null check of a text column needs only one
null and one non-null value) and the rows holding a failing value are then read back from
DuckDB in ``_council, _month, _file, _line`` order and attributed to their council's month:
counts, failing rows, value counts and examples come out exactly as a validation of each
council-month on its own gives them.
Given a ``VerdictStore`` (``verdict_store``), the values GX judged before under the same
expectation take their remembered verdict and GX runs on the others only (none: no GX call).
Table-level expectations (the column set) run once over a zero-row frame with the same columns.

``validate_months`` returns None when that cannot be exact (an expectation type outside the
lists, a GX exception, a result it cannot attribute); the caller then validates each
council-month on its own.
"""
from __future__ import annotations

import copy
import math
from collections import defaultdict
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from orchestration.gates.gx_runner import (
    ExpectationOutcome,
    _validate_chunk,
    raised_error,
    record_unexpected,
    shared_batch_definition,
)
from orchestration.gates.sqlutil import q
from orchestration.gates.suites import COLUMN_KWARGS, columns_of, suite_from_json
from orchestration.gates.verdict_store import VerdictStore, verdict_key
from orchestration.months import month_label
from orchestration.partitions_key import Part

ROW_WISE_TYPES = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_match_regex",
        "expect_column_pair_values_a_to_be_greater_than_b",
    }
)
NOT_NULL = "expect_column_values_to_not_be_null"
TABLE_TYPES = frozenset({"expect_table_columns_to_match_set"})


def _distinct_table(i: int) -> str:
    return f"_gate_batch_values_{i}"


def _lookup_table(i: int) -> str:
    return f"_gate_batch_known_{i}"


def _alias(i: int, k: str) -> str:
    return f"e{i}:{k}"


def validate_months(
    con: duckdb.DuckDBPyConnection,
    suite_d: dict[str, Any],
    select_sql: str,
    expectation_parameters: dict[str, Any],
    *,
    chunk_vectors: int = 64,
    max_examples: int = 5,
    verdicts: VerdictStore | None = None,
) -> dict[Part, list[ExpectationOutcome]] | None:
    """Outcomes (in suite order) per council-month for every council-month ``select_sql`` returns
    rows of; those without rows are absent.  None: validate each on its own instead.  With ``verdicts``,
    GX judges only the values it has not judged before under the same expectation
    (``verdict_store``), and its new verdicts are added to the store."""
    exps = suite_d["expectations"]
    if any(e["type"] not in ROW_WISE_TYPES | TABLE_TYPES for e in exps):
        return None
    row_level = [i for i, e in enumerate(exps) if e["type"] in ROW_WISE_TYPES]
    rows = f"({select_sql})"  # DuckDB computes only the columns each query below reads
    try:
        counts = {
            Part(c, month_label(m)): int(n)
            for c, m, n in con.execute(f"SELECT _council, _month, count(*) FROM {rows} GROUP BY 1, 2").fetchall()
        }
        if not counts:
            return {}
        empty = con.execute(f"SELECT * FROM {rows} LIMIT 0").df()
        if any(c not in empty.columns for i in row_level for c in columns_of(exps[i])):
            return None  # GX would report the missing column: let the month-by-month run say so
        found = _failing_values(con, rows, empty, exps, row_level, expectation_parameters, chunk_vectors, verdicts)
        if found is None:
            return None
        if verdicts is not None:
            verdicts.save(con)
        failing, matches = found
        table_outcomes = _table_level(suite_d, empty, expectation_parameters, max_examples)
        out: dict[Part, list[ExpectationOutcome]] = {}
        for label, n in counts.items():
            outs = []
            for i, e in enumerate(exps):
                if i in table_outcomes:
                    outs.append(copy.deepcopy(table_outcomes[i]))
                else:
                    outs.append(ExpectationOutcome(meta=e["meta"], kwargs=e["kwargs"], element_count=n))
            out[label] = outs
        id_columns = list((suite_d.get("meta") or {}).get("example_columns", []))
        for i, gids in failing.items():
            _attribute(con, rows, i, matches[i], gids, out, id_columns, max_examples)
        return out
    finally:
        for i in row_level:
            con.execute(f"DROP TABLE IF EXISTS {_distinct_table(i)}")
            con.execute(f"DROP TABLE IF EXISTS {_lookup_table(i)}")
        VerdictStore.drop(con)


def _values_sql(e: dict[str, Any], rows: str, empty: pd.DataFrame) -> tuple[str, list[tuple[str, str]], list[str]]:
    """SELECT of the distinct values expectation ``e`` is run on; how a row ``r`` matches a value
    ``v`` of it: (row expression, value column) pairs compared with IS NOT DISTINCT FROM; and the
    column(s) of that SELECT a verdict is about. A not-null check of a text column only needs one
    value per nullness (identifier columns have as many values as rows); every other check needs
    every distinct value of its column(s)."""
    cols = columns_of(e)
    if e["type"] == NOT_NULL and isinstance(empty[cols[0]].dtype, pd.StringDtype):
        c = q(cols[0])
        return (f"SELECT ({c} IS NULL) AS _null, any_value({c}) AS {c} FROM {rows} GROUP BY 1",
                [(f"(r.{c} IS NULL)", "_null")], ["_null"])
    return f"SELECT DISTINCT {', '.join(q(c) for c in cols)} FROM {rows}", [(f"r.{q(c)}", q(c)) for c in cols], cols


def _column_types(con: duckdb.DuckDBPyConnection, rows: str) -> dict[str, str]:
    """DuckDB type of each column ``rows`` returns (a verdict is about a value of that type)."""
    return dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {rows})").fetchall())


def _size_class(n: int) -> int:
    """Expectations whose value lists are of a similar length share a frame (shorter lists are
    repeated to the frame's length, so one long list must not stretch every short one)."""
    return max(0, math.ceil(math.log(max(n, 1), 8)))


def _failing_values(
    con: duckdb.DuckDBPyConnection,
    rows: str,
    empty: pd.DataFrame,
    exps: list[dict[str, Any]],
    row_level: list[int],
    expectation_parameters: dict[str, Any],
    chunk_vectors: int,
    verdicts: VerdictStore | None = None,
) -> tuple[dict[int, list[int]], dict[int, list[tuple[str, str]]]] | None:
    """Per row-level expectation, the ids of its distinct values GX finds unexpected (now, or
    before when ``verdicts`` remembers them), and how rows match those values (``_values_sql``)."""
    frames: dict[int, pd.DataFrame] = {}
    gids: dict[int, np.ndarray] = {}
    matches: dict[int, list[tuple[str, str]]] = {}
    failing: dict[int, set[int]] = defaultdict(set)
    keyed: dict[int, tuple[str, list[str]]] = {}  # expectation -> (verdict key, verdict columns)
    types = _column_types(con, rows) if verdicts is not None else {}
    for i in row_level:
        sql, matches[i], verdict_columns = _values_sql(exps[i], rows, empty)
        table = _distinct_table(i)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT row_number() OVER () - 1 AS _gid, * FROM ({sql})")
        if verdicts is not None:
            mode = "nullness" if verdict_columns == ["_null"] else "value"
            key = verdict_key(exps[i], expectation_parameters, [types[c] for c in columns_of(exps[i])], mode)
            if key is not None:
                keyed[i] = (key, verdict_columns)
    if verdicts is not None:
        verdicts.load(con, sorted({k for k, _ in keyed.values()}))
        keyed = {i: kv for i, kv in keyed.items() if not verdicts.saturated(kv[0])}
    for i in row_level:
        table = _distinct_table(i)
        unjudged = ""
        if verdicts is not None and i in keyed:
            key, verdict_columns = keyed[i]
            failing[i].update(verdicts.split(con, table, key, verdict_columns, _lookup_table(i)))
            unjudged = f"WHERE _gid IN (SELECT _gid FROM {_lookup_table(i)} WHERE unexpected IS NULL)"
        cols = ", ".join(q(c) for c in columns_of(exps[i]))
        df = con.execute(f"SELECT _gid, {cols} FROM {table} {unjudged} ORDER BY _gid").df()
        if len(df) == 0:
            continue  # every value judged before
        gids[i] = df.pop("_gid").to_numpy()
        frames[i] = df.set_axis([_alias(i, k) for k in COLUMN_KWARGS if k in exps[i]["kwargs"]], axis=1)
    classes: dict[int, list[int]] = defaultdict(list)
    for i in frames:
        classes[_size_class(len(frames[i]))].append(i)
    for members in classes.values():
        if not _validate_values(members, frames, gids, exps, expectation_parameters, chunk_vectors, failing):
            return None
    if verdicts is not None:
        for i, (key, verdict_columns) in keyed.items():
            if i in frames:
                judged = sorted(failing[i].intersection(gids[i].tolist()))
                verdicts.remember(con, _distinct_table(i), key, verdict_columns, _lookup_table(i), judged)
    return {i: sorted(g) for i, g in failing.items() if g}, matches


def _validate_values(
    members: list[int],
    frames: dict[int, pd.DataFrame],
    gids: dict[int, np.ndarray],
    exps: list[dict[str, Any]],
    expectation_parameters: dict[str, Any],
    chunk_vectors: int,
    failing: dict[int, set[int]],
) -> bool:
    """GX over one frame holding the value lists of ``members`` (the values of ids ``gids``);
    False when a result cannot be attributed to values exactly."""
    size = max(len(frames[i]) for i in members)
    frame = pd.concat([frames[i].iloc[np.arange(size) % len(frames[i])].reset_index(drop=True) for i in members], axis=1)
    aliased = []
    for i in members:
        e = copy.deepcopy(exps[i])
        for k in COLUMN_KWARGS:
            if k in e["kwargs"]:
                e["kwargs"][k] = _alias(i, k)
        aliased.append(e)
    suite = suite_from_json({"name": "distinct_values", "expectations": aliased, "meta": {}})
    by_name = {exps[i]["meta"]["name"]: i for i in members}
    step = max(1, chunk_vectors * 2048)
    for start in range(0, size, step):
        res = shared_batch_definition().get_batch(batch_parameters={"dataframe": frame.iloc[start : start + step]}).validate(
            suite,
            result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False},
            expectation_parameters=expectation_parameters,
        )
        if len(res.results) != len(members):
            return False
        for r in res.results:
            i = by_name[r.expectation_config.meta["name"]]
            result = r.result or {}
            labels = result.get("unexpected_index_list") or []
            if raised_error(r) is not None or "element_count" not in result:
                return False
            if int(result.get("unexpected_count") or 0) != len(labels) or bool(r.success) != (not labels):
                return False  # not a plain row-by-row verdict: cannot attribute it exactly
            failing[i].update(int(gids[i][int(label) % len(frames[i])]) for label in labels)
    return True


def _table_level(
    suite_d: dict[str, Any], empty: pd.DataFrame, expectation_parameters: dict[str, Any], max_examples: int
) -> dict[int, ExpectationOutcome]:
    """Table-level expectations over ``empty``, a zero-row frame with the validated columns."""
    idx = [i for i, e in enumerate(suite_d["expectations"]) if e["type"] in TABLE_TYPES]
    if not idx:
        return {}
    exps = [suite_d["expectations"][i] for i in idx]
    outcomes = [ExpectationOutcome(meta=e["meta"], kwargs=e["kwargs"]) for e in exps]
    suite = suite_from_json({"name": suite_d["name"], "expectations": exps, "meta": suite_d.get("meta") or {}})
    _validate_chunk(shared_batch_definition(), suite, empty, outcomes, expectation_parameters, [], max_examples)
    return dict(zip(idx, outcomes))


def _attribute(
    con: duckdb.DuckDBPyConnection,
    rows: str,
    i: int,
    match_on: list[tuple[str, str]],
    gids: list[int],
    out: dict[Part, list[ExpectationOutcome]],
    id_columns: list[str],
    max_examples: int,
) -> None:
    """Read back the rows holding expectation ``i``'s failing values and add them to their
    council-month."""
    match = " AND ".join(f"{expr} IS NOT DISTINCT FROM v.{col}" for expr, col in match_on)
    df = con.execute(
        f"""SELECT r.* FROM {rows} r
            WHERE EXISTS (SELECT 1 FROM {_distinct_table(i)} v WHERE list_contains(?, v._gid) AND {match})
            ORDER BY r._council, r._month, r._file, r._line""",
        [gids],
    ).df()
    labels = np.array([f"{c}|{month_label(pd.Timestamp(m).date())}" for c, m in zip(df["_council"], df["_month"])])
    for label in dict.fromkeys(labels):
        outcome = out[Part(*label.split("|"))][i]
        positions = np.flatnonzero(labels == label)
        outcome.unexpected_count = len(positions)
        outcome.success = False
        record_unexpected(outcome, df, positions, id_columns, max_examples)
