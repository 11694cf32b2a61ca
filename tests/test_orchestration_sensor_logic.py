from pathlib import Path

from orchestration.landing_watch import complete_months, expected_files, new_or_changed


def _month(landing: Path, month: str, files: list[str]) -> None:
    folder = landing / month
    folder.mkdir(parents=True)
    for name in files:
        (folder / name).write_text("x\n")


def test_only_months_with_every_monthly_file_are_complete(tmp_path: Path) -> None:
    _month(tmp_path, "2024-02", expected_files("2024-02"))
    _month(tmp_path, "2024-03", expected_files("2024-03")[:-1])  # one file still to come
    (tmp_path / "reference").mkdir()
    assert list(complete_months(tmp_path)) == ["2024-02"]


def test_fingerprint_changes_when_a_file_is_replaced(tmp_path: Path) -> None:
    _month(tmp_path, "2024-02", expected_files("2024-02"))
    before = complete_months(tmp_path)
    (tmp_path / "2024-02" / expected_files("2024-02")[0]).write_text("corrected extract\n")
    after = complete_months(tmp_path)
    assert before["2024-02"] != after["2024-02"]
    assert new_or_changed(after, before) == after
    assert new_or_changed(after, after) == {}
