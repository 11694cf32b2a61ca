"""From council-months to Dagster runs: the rectangles of partitions each run covers, and the
councils of a landing directory."""
from pathlib import Path

from orchestration.landing_layout import council_landings, unknown_folders
from orchestration.partitions_key import Part
from orchestration.run_plan import RANGE_END, RANGE_START, new_keys, range_tags, rectangles

COUNCILS = ["E06000022", "E06000023", "E06000024"]
MONTHS = ["2024-01", "2024-02", "2024-03"]


def _parts(councils: list[str], months: list[str]) -> list[Part]:
    return [Part(c, m) for c in councils for m in months]


def test_a_region_s_month_and_a_council_s_catch_up_are_one_run_each() -> None:
    assert rectangles(_parts(COUNCILS, ["2024-03"]), COUNCILS, MONTHS) == [_parts(COUNCILS, ["2024-03"])]
    assert rectangles(_parts(["E06000023"], MONTHS), COUNCILS, MONTHS) == [_parts(["E06000023"], MONTHS)]
    assert rectangles(_parts(COUNCILS, MONTHS), COUNCILS, MONTHS) == [_parts(COUNCILS, MONTHS)]


def test_ragged_council_months_become_a_few_rectangles_in_month_order() -> None:
    parts = [*_parts(COUNCILS, ["2024-03"]), Part("E06000023", "2024-01"), Part("E06000023", "2024-02")]
    runs = rectangles(parts, COUNCILS, MONTHS)
    assert sorted(p for r in runs for p in r) == sorted(parts)  # every council-month exactly once
    assert runs == [_parts(["E06000023"], MONTHS), _parts(["E06000022"], ["2024-03"]), _parts(["E06000024"], ["2024-03"])]


def test_councils_or_months_not_contiguous_in_the_partitions_split_the_runs() -> None:
    parts = _parts(["E06000022", "E06000024"], ["2024-01", "2024-03"])
    runs = rectangles(parts, COUNCILS, MONTHS)
    assert len(runs) == 4 and sorted(p for r in runs for p in r) == sorted(parts)


def test_range_tags_are_the_first_and_last_partition_keys() -> None:
    rect = _parts(COUNCILS[:2], MONTHS[1:])
    assert range_tags(rect) == {RANGE_START: "E06000022|2024-02", RANGE_END: "E06000023|2024-03"}
    assert Part.from_partition_key("E06000023|2024-03") == Part("E06000023", "2024-03")


def test_new_keys_are_those_not_registered_sorted() -> None:
    assert new_keys(["2024-02"], ["2024-03", "2024-01", "2024-02", "2024-03"]) == ["2024-01", "2024-03"]


def _cld(folder: Path, month: str, code: str) -> None:
    (folder / month).mkdir(parents=True)
    (folder / month / f"las_cld_{month}.csv").write_text(f"\ufeffLA Code,Event Reference\n{code},E1\n", encoding="utf-8")


def test_a_council_s_code_is_the_given_one_its_folder_s_name_or_its_extracts(tmp_path: Path) -> None:
    one = tmp_path / "bristol"
    _cld(one, "2024-03", "e06000023")
    assert [(c.code, c.folder) for c in council_landings(one)] == [("E06000023", one.resolve())]
    assert council_landings(one, council="E06000022")[0].code == "E06000022"
    root = tmp_path / "root"
    _cld(root / "bath", "2024-03", "E06000022")
    (root / "E06000024" / "2024-03").mkdir(parents=True)
    (root / "E06000024x" / "2024-03").mkdir(parents=True)  # no code in its name, no extract
    (root / "notes").mkdir()
    _cld(root / "bath-again", "2024-02", "E06000022")  # a second folder of one council
    assert [c.code for c in council_landings(root)] == ["E06000022", "E06000024"]
    assert council_landings(root)[0].folder == (root / "bath").resolve()
    assert [p.name for p in unknown_folders(root)] == ["E06000024x", "bath-again", "notes"]


def test_what_no_reader_takes_in_a_council_s_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "2024-03").mkdir()
    for name in ("las_cld_2024-03.csv", "las_cld_2024-03 (corrected).csv", "ascs_responses_2024.csv",
                 "cqc_latest_ratings_2024-03.ods", "notes.docx"):
        (tmp_path / "2024-03" / name).write_text("x")
    (tmp_path / "2024-02").mkdir()
    (tmp_path / "2024-02" / "payments.csv").write_text("x")
    for folder in ("2024-3", "March 2024", "reference"):
        (tmp_path / folder).mkdir()
    (tmp_path / "reference" / "kpi_targets.csv").write_text("x")
    (tmp_path / "reference" / "kpi_targets_old.csv").write_text("x")
    (tmp_path / "readme.txt").write_text("x")
    from orchestration.landing_layout import unexpected_entries

    assert unexpected_entries(tmp_path) == [
        "2024-02/payments.csv", "2024-03/las_cld_2024-03 (corrected).csv", "2024-03/notes.docx", "2024-3/",
        "March 2024/", "readme.txt", "reference/kpi_targets_old.csv"]
    assert "2024-02/payments.csv" not in unexpected_entries(tmp_path, "2024-03")  # another month's folder
