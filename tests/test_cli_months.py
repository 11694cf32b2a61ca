"""Which months `ascw refresh` covers: `--month`, `--all` (the month folders found) or the
ASCW_MONTH default, and how a gap splits the Dagster runs."""
from pathlib import Path

import pytest

from orchestration.cli import contiguous_runs, gap_months, main, month_choice, requested_months


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
