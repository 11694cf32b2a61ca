"""``verdict_store``: GX's verdicts on values are remembered, so a validation runs GX only on the
values not judged before, and its results and rejects are exactly those of a validation
without a store."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import gates_fixtures as fx
from orchestration.gates import GateConfig, run_source_checks_for_parts
from orchestration.gates import batch_validation, verdict_store
from orchestration.gates.verdict_store import COMPACT_AT, VerdictStore, on_personal_column, store_folder, verdict_key

CFG = GateConfig(check_reference_files=False)
PARTS = [fx.part(fx.PREV), fx.part(fx.MONTH)]
VERSIONS = {"great_expectations": "1", "pandas": "2", "duckdb": "3"}
IN_SET = {"type": "expect_column_values_to_be_in_set",
          "kwargs": {"column": "Event Type", "value_set": ["A", "B"]}, "meta": {"name": "x"}}
BETWEEN = {"type": "expect_column_values_to_be_between",
           "kwargs": {"column": "Weekly Cost", "min_value": 0, "max_value": {"$PARAMETER": "cost_ceiling"}},
           "meta": {"name": "y"}}
DEFECTS = (
    """UPDATE raw.las_cld SET "Event Type" = 'Servcie' WHERE _month = '2024-03-01' AND _line IN (5, 7)""",
    """UPDATE raw.controcc_service_lines SET "Weekly Cost" = -5 WHERE _month = '2024-02-01' AND _line = 3""",
    """UPDATE raw.las_cld SET "Event Reference" = NULL WHERE _month = '2024-03-01' AND _line = 4""",
)


def key(e: dict, params: dict | None = None, types: list[str] | None = None, mode: str = "value") -> str | None:
    return verdict_key(e, params or {"cost_ceiling": 100}, types or ["VARCHAR"], mode, VERSIONS)


def test_the_key_is_the_expectation_its_parameters_the_value_type_and_the_software():
    assert key(IN_SET) == key({**IN_SET, "meta": {"name": "renamed"}})  # meta is not a rule
    assert key(IN_SET) != key({**IN_SET, "kwargs": {**IN_SET["kwargs"], "value_set": ["A"]}})
    assert key(BETWEEN, {"cost_ceiling": 100}) != key(BETWEEN, {"cost_ceiling": 200})
    assert key(IN_SET, types=["VARCHAR"]) != key(IN_SET, types=["INTEGER"])
    assert key(IN_SET) != key(IN_SET, mode="nullness")
    assert key(IN_SET) != verdict_key(IN_SET, {}, ["VARCHAR"], "value", {**VERSIONS, "great_expectations": "2"})


def test_mostly_and_sensitive_columns_are_never_remembered():
    assert key({**IN_SET, "kwargs": {**IN_SET["kwargs"], "mostly": 0.9}}) is None
    assert key({**BETWEEN, "kwargs": {**BETWEEN["kwargs"], "column": "Date of Birth"}}) is None
    person_id = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "LA Person Unique Identifier"}}
    assert key(person_id) is None


def test_the_folder_is_beside_the_warehouse_unless_set(tmp_path: Path):
    assert store_folder(tmp_path / "w" / "ascw.duckdb", {}) == tmp_path / "w" / "gx_verdicts"
    assert store_folder(tmp_path / "ascw.duckdb", {"ASCW_GX_VERDICTS": "/x/v"}) == Path("/x/v")


def broken() -> duckdb.DuckDBPyConnection:
    return fx.with_defects(DEFECTS)


@pytest.fixture
def gx_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(expectation name, number of values) for each expectation a GX call of the batch
    validation judged values of, except those on personal columns (never remembered)."""
    calls: list[tuple[str, int]] = []
    real = batch_validation._validate_values

    def counting(members, frames, gids, exps, *args, **kwargs):  # type: ignore[no-untyped-def]
        for i in members:
            if not on_personal_column(exps[i]):
                calls.append((exps[i]["meta"]["name"], len(frames[i])))
        return real(members, frames, gids, exps, *args, **kwargs)

    monkeypatch.setattr(batch_validation, "_validate_values", counting)
    return calls


@pytest.fixture(scope="module")
def plain() -> tuple[dict, list[tuple]]:
    """Results and gate rejects of the validation without a store."""
    con = broken()
    return fx.as_dicts(run_source_checks_for_parts(con, PARTS, CFG)), fx.gate_rejects(con)


def test_remembered_verdicts_give_the_same_results_and_rejects_with_no_gx_call(
    tmp_path: Path, gx_calls: list, plain: tuple[dict, list[tuple]]
):
    first_con, again_con = broken(), broken()
    first = run_source_checks_for_parts(first_con, PARTS, CFG, VerdictStore(tmp_path))
    n_first = len(gx_calls)
    again = run_source_checks_for_parts(again_con, PARTS, CFG, VerdictStore(tmp_path))

    assert fx.as_dicts(first) == plain[0] and fx.as_dicts(again) == plain[0]
    assert fx.gate_rejects(first_con) == fx.gate_rejects(again_con) == plain[1] != []
    # the second run needs no GX call at all (bar the personal columns, never remembered)
    assert n_first > 20 and len(gx_calls) == n_first
    failed = {r.name for r in again[fx.part()] if not r.passed}
    assert {"las_cld.in_code_list:Event Type", "las_cld.not_null:Event Reference"} <= failed


def test_only_values_never_judged_go_to_gx_and_a_new_bad_one_is_found(tmp_path: Path, gx_calls: list):
    run_source_checks_for_parts(broken(), PARTS, CFG, VerdictStore(tmp_path))
    con = broken()
    con.execute("""UPDATE raw.las_cld SET "Event Type" = 'Visit?' WHERE _month = '2024-02-01' AND _line = 2""")
    gx_calls.clear()
    results = run_source_checks_for_parts(con, PARTS, CFG, VerdictStore(tmp_path))

    # the new code alone, by the two expectations on its column
    assert sorted(gx_calls) == [("las_cld.in_code_list:Event Type", 1), ("las_cld.not_null:Event Type", 1)]
    prev = next(r for r in results[fx.part(fx.PREV)] if r.name == "las_cld.in_code_list:Event Type")
    cur = next(r for r in results[fx.part()] if r.name == "las_cld.in_code_list:Event Type")
    assert not prev.passed and [e["line"] for e in prev.examples] == [2]
    assert not cur.passed and [e["line"] for e in cur.examples] == [5, 7]  # remembered as unexpected


def stored_per_key(folder: Path) -> dict[str, int]:
    return dict(duckdb.sql(f"SELECT key, count(*) FROM read_parquet('{folder}/*.parquet') GROUP BY 1").fetchall())


@pytest.mark.extended  # the store's size limit; the verdicts' correctness is the tests above
def test_a_key_with_too_many_verdicts_is_judged_every_time_and_grows_no_more(
    tmp_path: Path, gx_calls: list, plain: tuple[dict, list[tuple]], monkeypatch: pytest.MonkeyPatch
):
    """Identifiers, amounts and dates bring new values every month: past SATURATED_AT verdicts
    a key's values all go to GX again, as without a store, and the store stops growing."""
    monkeypatch.setattr(verdict_store, "SATURATED_AT", 5)
    first = run_source_checks_for_parts(broken(), PARTS, CFG, VerdictStore(tmp_path))
    judged_first = dict(gx_calls)
    stored = stored_per_key(tmp_path)
    gx_calls.clear()
    again = run_source_checks_for_parts(broken(), PARTS, CFG, VerdictStore(tmp_path))

    assert fx.as_dicts(first) == fx.as_dicts(again) == plain[0]
    many = {name: n for name, n in judged_first.items() if n >= 5}
    assert many and len(many) < len(judged_first)  # some saturate, some do not
    assert dict(gx_calls) == many  # in full, and nothing else
    assert max(stored.values()) == 5 and stored_per_key(tmp_path) == stored


def test_a_damaged_store_counts_as_empty(tmp_path: Path, gx_calls: list, plain: tuple[dict, list[tuple]]):
    (tmp_path / "0000.parquet").write_bytes(b"not parquet")
    results = run_source_checks_for_parts(broken(), PARTS, CFG, VerdictStore(tmp_path))
    assert fx.as_dicts(results) == plain[0] and len(gx_calls) > 20


def test_the_files_are_merged_into_one_past_the_limit(tmp_path: Path):
    con = duckdb.connect()
    store = VerdictStore(tmp_path)
    for n in range(COMPACT_AT + 1):
        store.load(con, [])
        con.execute("INSERT INTO _gate_verdicts_new VALUES ('k', ?, false)", [f'{{"v0":{n}}}'])
        store._new = 1
        store.save(con)
    files = list(tmp_path.glob("*.parquet"))
    assert len(files) <= 2 and not list(tmp_path.glob(".*.tmp"))
    kept = con.execute("SELECT count(DISTINCT value) FROM read_parquet(?)", [[str(f) for f in files]]).fetchone()
    assert kept == (COMPACT_AT + 1,)



def test_a_store_that_cannot_be_written_leaves_the_validation_as_it_is(tmp_path: Path, plain: tuple[dict, list[tuple]]):
    folder = tmp_path / "store"
    folder.write_text("a file where the folder should be")  # mkdir fails, as on a read-only disk
    with pytest.warns(UserWarning, match="GX verdicts not saved"):
        results = run_source_checks_for_parts(broken(), PARTS, CFG, VerdictStore(folder))
    assert fx.as_dicts(results) == plain[0]
