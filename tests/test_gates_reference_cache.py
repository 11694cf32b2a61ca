"""Reference and annual files are validated again only when something that decides their results
changed (orchestration/gates/reference_cache.py); otherwise a month reuses the last results."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import gates_fixtures as fx
from orchestration.gates import CheckResult, GateConfig, run_source_checks
from orchestration.gates import reference_cache as rc
from orchestration.gates import source_checks
from sources.contracts import ANNUAL_FILE_TYPES, REFERENCE_FILE_TYPES

CFG = GateConfig()
REFERENCE_TYPES = (*ANNUAL_FILE_TYPES, *REFERENCE_FILE_TYPES)
REFERENCE_TARGETS = {f"raw.{ft.raw_table}" for ft in REFERENCE_TYPES}
RUNG_CHECK = "element_rung_map.in_code_list:Care Ladder Rung"


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    c = fx.build_clean()
    yield c
    c.close()


@pytest.fixture()
def reference_validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The reference file types validated from here on (check_file_type calls)."""
    seen: list[str] = []
    real = source_checks.check_file_type

    def counting(con, ft, month, config):  # type: ignore[no-untyped-def]
        seen.append(ft.key)
        return real(con, ft, month, config)

    monkeypatch.setattr(source_checks, "check_file_type", counting)
    return seen


def _reference(results: list[CheckResult]) -> list[tuple]:
    return sorted((r.name, r.target, r.passed, r.severity, r.message, r.month, r.file, r.column)
                  for r in results if r.target in REFERENCE_TARGETS)


def _rung_check(results: list[CheckResult]) -> CheckResult:
    return next(r for r in results if r.name == RUNG_CHECK)


def test_unchanged_reference_files_are_not_validated_again(con, reference_validations) -> None:
    first = run_source_checks(con, fx.part(fx.PREV), CFG)
    assert set(reference_validations) >= {"element_rung_map", "kpi_targets"}
    reference_validations.clear()

    second = run_source_checks(con, fx.part(), CFG)

    assert reference_validations == []
    assert _reference(second) == [(*r[:5], fx.MONTH, *r[6:]) for r in _reference(first)]
    assert _reference(second)  # the month still carries the reference files' results


def test_a_reference_row_changed_in_place_is_validated_again(con, reference_validations) -> None:
    assert _rung_check(run_source_checks(con, fx.part(), CFG)).passed
    con.execute("""UPDATE raw.element_rung_map SET "Care Ladder Rung" = 'nursing' WHERE "Element Code" = 'NURS01'""")
    reference_validations.clear()

    again = _rung_check(run_source_checks(con, fx.part(), CFG))

    assert "element_rung_map" in reference_validations
    assert not again.passed and again.severity == "ERROR"


def test_reference_rejects_stay_when_results_are_reused(con) -> None:
    con.execute("""UPDATE raw.element_rung_map SET "Care Ladder Rung" = 'nursing' WHERE "Element Code" = 'NURS01'""")
    query = "SELECT file, line, check_name FROM raw._rejects WHERE month IS NULL ORDER BY ALL"
    assert not _rung_check(run_source_checks(con, fx.part(fx.PREV), CFG)).passed
    rejects = con.execute(query).fetchall()
    assert [r[2] for r in rejects] == [RUNG_CHECK]

    assert not _rung_check(run_source_checks(con, fx.part(), CFG)).passed  # reused: still failing
    assert con.execute(query).fetchall() == rejects


def test_thresholds_and_suites_are_part_of_the_fingerprint(con, monkeypatch, tmp_path: Path) -> None:
    base = rc.fingerprint(con, fx.COUNCIL, REFERENCE_TYPES, CFG)
    assert rc.fingerprint(con, fx.COUNCIL, REFERENCE_TYPES, GateConfig()) == base
    assert rc.fingerprint(con, fx.COUNCIL, REFERENCE_TYPES, GateConfig(min_age=19)) != base
    assert rc.fingerprint(con, fx.COUNCIL, REFERENCE_TYPES, GateConfig(severities={"kpi_targets.*": "WARN"})) != base

    edited = tmp_path / "kpi_targets.json"
    edited.write_text(rc.suite_path("kpi_targets").read_text().replace('"ERROR"', '"WARN"', 1))
    real = rc.suite_path
    monkeypatch.setattr(rc, "suite_path", lambda key: edited if key == "kpi_targets" else real(key))
    assert rc.fingerprint(con, fx.COUNCIL, REFERENCE_TYPES, CFG) != base


def test_code_digest_follows_the_source(tmp_path: Path) -> None:
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("x = 1\n")
    b.write_text("y = 2\n")
    before = rc.code_digest([a, b])
    assert rc.code_digest([a, b]) == before
    b.write_text("y = 3\n")
    assert rc.code_digest([a, b]) != before
    assert len(rc.CODE_FILES) > 5 and all(p.exists() for p in rc.CODE_FILES)


def _change_kpi_targets_in_place(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE raw.kpi_targets SET kpi = kpi || ' (revised)' WHERE kpi_code = 'LTC_AT_HOME'")


def test_only_the_file_type_that_changed_is_validated_again(con, reference_validations) -> None:
    run_source_checks(con, fx.part(fx.PREV), CFG)
    _change_kpi_targets_in_place(con)
    reference_validations.clear()

    run_source_checks(con, fx.part(), CFG)

    assert reference_validations == ["kpi_targets"]


@pytest.mark.extended  # rejects kept on reuse: test_reference_rejects_stay_when_results_are_reused
def test_a_file_types_rejects_stay_when_another_type_is_validated_again(con) -> None:
    con.execute("""UPDATE raw.element_rung_map SET "Care Ladder Rung" = 'nursing' WHERE "Element Code" = 'NURS01'""")
    query = "SELECT file, line, check_name FROM raw._rejects WHERE month IS NULL ORDER BY ALL"
    assert not _rung_check(run_source_checks(con, fx.part(fx.PREV), CFG)).passed
    rejects = con.execute(query).fetchall()
    _change_kpi_targets_in_place(con)

    assert not _rung_check(run_source_checks(con, fx.part(), CFG)).passed  # reused: still failing

    assert con.execute(query).fetchall() == rejects and [r[2] for r in rejects] == [RUNG_CHECK]


@pytest.mark.extended  # a second check of the cache's bookkeeping (make test-all)
def test_the_one_row_cache_of_earlier_versions_is_replaced(con, reference_validations) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(f"CREATE TABLE {rc.CACHE_TABLE} (fingerprint VARCHAR, results JSON, computed_at TIMESTAMP)")
    con.execute(f"INSERT INTO {rc.CACHE_TABLE} VALUES ('old', '[]', current_timestamp)")

    first = run_source_checks(con, fx.part(), CFG)
    assert set(reference_validations) == {ft.key for ft in REFERENCE_TYPES}
    assert _reference(first)
    reference_validations.clear()
    assert _reference(run_source_checks(con, fx.part(), CFG)) == _reference(first)
    assert reference_validations == []
