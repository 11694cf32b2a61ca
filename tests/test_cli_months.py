"""Which council-months `ascw refresh` and `ascw refresh-region` cover: `--month`, `--all` (the
month folders found) or the ASCW_MONTH default, what they leave out and say so, and what stderr
says when a step fails."""
from pathlib import Path

import pytest

from orchestration.cli import gap_months, main, month_choice, requested_parts, step_failure_report
from orchestration.landing_layout import CouncilLanding
from orchestration.partitions_key import Part


def test_month_choice_flags_first_then_the_environment_default() -> None:
    assert month_choice("2024-03", False, {"ASCW_MONTH": "all"}) == "2024-03"
    assert month_choice(None, True, {"ASCW_MONTH": "2024-03"}) is None
    assert month_choice(None, False, {"ASCW_MONTH": "2024-02"}) == "2024-02"
    assert month_choice(None, False, {"ASCW_MONTH": " ALL "}) is None
    with pytest.raises(ValueError, match="ASCW_MONTH"):
        month_choice(None, False, {})


def _council(root: Path, code: str, months: list[str]) -> CouncilLanding:
    for m in months:
        (root / code / m).mkdir(parents=True)
    return CouncilLanding(code, root / code)


def test_all_is_every_month_folder_of_each_council_and_a_gap_is_named(tmp_path: Path) -> None:
    a = _council(tmp_path, "E06000022", ["2024-01", "2024-03"])
    b = _council(tmp_path, "E06000023", ["2024-03"])
    (a.folder / "notes").mkdir()
    (a.folder / "2024-13").mkdir()
    parts, notes = requested_parts([a, b], None, one_council=False)
    assert parts == [Part("E06000022", "2024-01"), Part("E06000022", "2024-03"), Part("E06000023", "2024-03")]
    assert len(notes) == 1 and "E06000022" in notes[0] and "2024-02" in notes[0]


def test_one_month_of_a_region_leaves_out_the_councils_without_its_folder_and_says_so(tmp_path: Path) -> None:
    a = _council(tmp_path, "E06000022", ["2024-02"])
    b = _council(tmp_path, "E06000023", ["2024-02", "2024-03"])
    parts, notes = requested_parts([a, b], "2024-03", one_council=False)
    assert parts == [Part("E06000023", "2024-03")]
    assert notes == [f"E06000022: no 2024-03 folder in {a.folder}: not refreshed"]
    # a lone council is refreshed anyway: its missing folder blocks it with the reason
    assert requested_parts([a], "2024-03", one_council=True) == ([Part("E06000022", "2024-03")], [])


def test_gap_months() -> None:
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


def test_a_landing_with_no_council_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "land" / "notes").mkdir(parents=True)
    code = main(["refresh-region", "--all", "--landing-root", str(tmp_path / "land"),
                 "--warehouse", str(tmp_path / "w.duckdb"), "--exports", str(tmp_path / "x")])
    assert code == 2
    assert "no council landing folders" in capsys.readouterr().err
    assert not (tmp_path / "w.duckdb").exists()


def test_a_deliberate_stop_is_one_line_and_an_unexpected_error_keeps_its_stack() -> None:
    stop = step_failure_report(
        "warehouse_models", "Failure",
        "dagster._core.definitions.events.Failure: dbt not run: every council-month of this run failed a "
        "blocking source check\n",
        "dagster._core.definitions.events.Failure: dbt not run: ...\n\nStack Trace:\n  File ...\n")
    assert stop == ("ascw: step warehouse_models stopped: dbt not run: every council-month of this run failed a "
                    "blocking source check")
    full = 'ValueError: cannot convert\n\nStack Trace:\n  File "tables.py", line 9\n'
    crash = step_failure_report("publication", "ValueError", "ValueError: cannot convert", full)
    assert crash.splitlines()[0] == "ascw: step publication failed: ValueError: cannot convert"
    assert crash.endswith('File "tables.py", line 9')
    assert step_failure_report("s", "KeyError", "", "KeyError\n").startswith("ascw: step s failed: KeyError")


def test_a_failure_of_the_machine_is_one_line_saying_what_to_do() -> None:
    full = 'OSError: [Errno 28] No space left on device: \'/x/.tmp-2024-03/kpi.csv\'\n\nStack Trace:\n  File "a.py"\n'
    disk = step_failure_report("publication", "OSError", full.splitlines()[0], full)
    assert disk.startswith("ascw: step publication failed: the disk is full ([Errno 28] No space left on device")
    assert "free space and refresh again" in disk and "Stack Trace" not in disk and "\n" not in disk
    ro = step_failure_report("publication", "PermissionError",
                             "PermissionError: [Errno 13] Permission denied: '/exports/.tmp-x'", "...")
    assert "a folder cannot be written" in ro and "writable" in ro
    corrupt = step_failure_report("landing_files", "SerializationException",
                                  "SerializationException: Serialization Error: Failed to deserialize", "...")
    assert "the warehouse cannot be read" in corrupt and "ascw refresh --all" in corrupt


def test_an_unreadable_warehouse_ends_with_one_line_and_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    landing = tmp_path / "landing" / "2024-03"
    landing.mkdir(parents=True)
    warehouse = tmp_path / "wh" / "ascw.duckdb"
    warehouse.parent.mkdir()
    warehouse.write_bytes(b"not a database, a spreadsheet saved over it\n" * 100)
    code = main(["refresh", "--month", "2024-03", "--council", "E06000023", "--landing", str(tmp_path / "landing"),
                 "--warehouse", str(warehouse), "--exports", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 4
    assert err.count("ascw:") == 1 and "cannot be opened as a DuckDB database" in err and "backup" in err, err
    assert "Traceback" not in err
