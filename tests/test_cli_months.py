"""Which months `ascw refresh` covers: `--month`, `--all` (the month folders found) or the
ASCW_MONTH default, how a gap splits the Dagster runs, and what stderr says when a step fails."""
from pathlib import Path

import pytest

from orchestration.cli import (
    contiguous_runs, gap_months, main, month_choice, requested_months, step_failure_report,
)


def test_month_choice_flags_first_then_the_environment_default() -> None:
    assert month_choice("2024-03", False, {"ASCW_MONTH": "all"}) == "2024-03"
    assert month_choice(None, True, {"ASCW_MONTH": "2024-03"}) is None
    assert month_choice(None, False, {"ASCW_MONTH": "2024-02"}) == "2024-02"
    assert month_choice(None, False, {"ASCW_MONTH": " ALL "}) is None
    with pytest.raises(ValueError, match="ASCW_MONTH"):
        month_choice(None, False, {})


def test_all_is_the_month_folders_found_oldest_first(tmp_path: Path) -> None:
    for name in ("2024-03", "2024-01", "notes", "2024-13"):
        (tmp_path / name).mkdir()
    assert requested_months(tmp_path, None) == ["2024-01", "2024-03"]
    assert requested_months(tmp_path, "2024-02") == ["2024-02"]


def test_a_gap_splits_the_runs_and_is_named() -> None:
    assert contiguous_runs(["2023-11", "2023-12", "2024-01", "2024-03"]) == [
        ["2023-11", "2023-12", "2024-01"], ["2024-03"]]
    assert contiguous_runs(["2024-01"]) == [["2024-01"]]
    assert contiguous_runs([]) == []
    assert gap_months(["2023-11", "2024-02"]) == ["2023-12", "2024-01"]
    assert gap_months(["2024-01", "2024-02"]) == []
    assert gap_months([]) == []


def test_neither_flag_nor_default_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ASCW_MONTH", raising=False)
    code = main(["refresh", "--landing", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb"),
                 "--exports", str(tmp_path / "x")])
    assert code == 2
    assert "--month" in capsys.readouterr().err


def test_a_deliberate_stop_is_one_line_and_an_unexpected_error_keeps_its_stack() -> None:
    stop = step_failure_report(
        "warehouse_models", "Failure",
        "dagster._core.definitions.events.Failure: dbt not run: every month of this run failed a "
        "blocking source check\n",
        "dagster._core.definitions.events.Failure: dbt not run: ...\n\nStack Trace:\n  File ...\n")
    assert stop == ("ascw: step warehouse_models stopped: dbt not run: every month of this run failed a "
                    "blocking source check")
    full = 'OSError: [Errno 28] No space left on device\n\nStack Trace:\n  File "atomic.py", line 9\n'
    crash = step_failure_report("exports__published_pack", "OSError",
                                "OSError: [Errno 28] No space left on device", full)
    assert crash.splitlines()[0] == (
        "ascw: step exports__published_pack failed: OSError: [Errno 28] No space left on device")
    assert crash.endswith('File "atomic.py", line 9')
    assert step_failure_report("s", "KeyError", "", "KeyError\n").startswith("ascw: step s failed: KeyError")
