"""Scenario files (`<landing>/scenarios/*.yml`, sources/scenarios.py): the parser and validator
(pure), and the load into raw with rejects beside the accepted files."""
from pathlib import Path

import duckdb
import pytest

from sources.generator.projections import scenario_files
from sources.scenarios import Shift, load_scenarios, parse_scenario, read_scenarios

GOOD = """\
name: Residential to extra care
description: 10% of 65+ residential to extra care housing.
shifts:
  - {from_rung: Residential, to_rung: Extra Care Housing, age_band: 65+, share: 0.10, from_year: 2026}
  - {from_rung: Home Care, to_rung: Reablement, age_band: all, share: 0.15, from_year: 2025}
unit_cost_change_pct:
  Extra Care Housing: 5
"""


def _reasons(text: str) -> dict[str | None, str]:
    scenario, problems = parse_scenario(text, "s.yml")
    assert scenario is None and problems
    assert {p.file for p in problems} == {"s.yml"}
    return {p.key: p.reason for p in problems}


def test_a_good_file_parses_into_its_shifts_and_cost_changes() -> None:
    scenario, problems = parse_scenario(GOOD, "good.yml")
    assert problems == [] and scenario is not None
    assert scenario.name == "Residential to extra care" and scenario.file == "good.yml"
    assert scenario.shifts == (Shift("Residential", "Extra Care Housing", "65+", 0.10, 2026),
                               Shift("Home Care", "Reablement", "all", 0.15, 2025))
    assert scenario.unit_cost_change_pct == (("Extra Care Housing", 5.0),)


def test_an_unknown_rung_is_rejected_with_its_key() -> None:
    reasons = _reasons(GOOD.replace("to_rung: Extra Care Housing", "to_rung: Extra care"))
    assert list(reasons) == ["shifts[1].to_rung"] and reasons["shifts[1].to_rung"].startswith("unknown rung")
    # a from-rung must be one the projection has (Tier 3)
    assert "shifts[2].from_rung" in _reasons(GOOD.replace("from_rung: Home Care", "from_rung: Reablement"))


@pytest.mark.parametrize("share", ["1.5", "-0.1", "'ten'", "true"])
def test_a_share_outside_0_1_is_rejected(share: str) -> None:
    reasons = _reasons(GOOD.replace("share: 0.10", f"share: {share}"))
    assert reasons == {"shifts[1].share": "share must be a number from 0 to 1"}


@pytest.mark.parametrize("year", ["'2026'", "26.5", "1850", "next"])
def test_a_malformed_year_is_rejected(year: str) -> None:
    reasons = _reasons(GOOD.replace("from_year: 2026", f"from_year: {year}"))
    assert list(reasons) == ["shifts[1].from_year"] and reasons["shifts[1].from_year"].startswith("malformed year")


def test_structure_errors_name_the_key_and_the_reason() -> None:
    assert _reasons("name: [unclosed") == {None: _reasons("name: [unclosed")[None]}
    assert _reasons("- just a list") == {None: "a scenario file must be a YAML mapping (name, description, shifts)"}
    reasons = _reasons("name: baseline\nshfits: []\n")
    assert reasons["name"].startswith("'baseline' is reserved")
    assert reasons["shfits"].startswith("unknown key") and reasons["shifts"] == "missing or not a list of shifts"
    reasons = _reasons(GOOD.replace("age_band: 65+", "age_band: 60+").replace("from_year: 2025}", "}"))
    assert reasons["shifts[1].age_band"].startswith("unknown age band")
    assert reasons["shifts[2].from_year"] == "missing"
    assert _reasons(GOOD.replace("Extra Care Housing: 5", "Extra Care Housing: -100")) == {
        "unit_cost_change_pct.Extra Care Housing": "must be a number above -100 (a % change)"}


def test_shares_out_of_one_rung_and_band_may_not_add_to_more_than_1() -> None:
    text = """\
name: Too many
shifts:
  - {from_rung: Residential, to_rung: Extra Care Housing, age_band: 65+, share: 0.10, from_year: 2026}
  - {from_rung: Residential, to_rung: Nursing, age_band: 85+, share: 0.95, from_year: 2030}
"""
    scenario, problems = parse_scenario(text, "s.yml")
    assert scenario is None  # 65+ includes 85+: 0.10 + 0.95 > 1
    assert [(p.key, p.reason) for p in problems] == [
        ("shifts", "the shares moved out of Residential (85+) add up to more than 1")]


def test_the_demo_scenarios_are_valid() -> None:
    for name, text in scenario_files(from_year=2025).items():
        scenario, problems = parse_scenario(text, name)
        assert problems == [] and scenario is not None and scenario.shifts, name


def test_a_rejected_file_is_left_out_and_the_others_still_run(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "a_good.yml").write_text(GOOD)
    (folder / "b_bad_share.yml").write_text(GOOD.replace("name: Residential to extra care", "name: Other")
                                            .replace("share: 0.10", "share: 2"))
    (folder / "c_same_name.yaml").write_text(GOOD)
    (folder / "notes.txt").write_text("not a scenario")
    result = read_scenarios(tmp_path)
    assert [s.file for s in result.scenarios] == ["a_good.yml"]
    assert result.rejected_files == ["b_bad_share.yml", "c_same_name.yaml"]

    con = duckdb.connect()
    load_scenarios(con, tmp_path, council="E06000023")
    load_scenarios(con, tmp_path, council="E06000023")  # a reload replaces, never adds
    assert con.execute("select scenario, _file from raw.scenarios").fetchall() == [
        ("Residential to extra care", "a_good.yml")]
    assert con.execute("select count(*) from raw.scenario_shifts").fetchone()[0] == 2
    assert con.execute("select care_ladder_rung, unit_cost_change_pct from raw.scenario_unit_costs").fetchall() == [
        ("Extra Care Housing", 5.0)]
    rejects = con.execute("""select file, "column", value, reason, check_name, month from raw._rejects
                             where file_type = 'scenario' order by file""").fetchall()
    assert rejects == [
        ("b_bad_share.yml", "shifts[1].share", "2", "share must be a number from 0 to 1", "scenario_file", None),
        ("c_same_name.yaml", "name", "Residential to extra care", "the name is already used by a_good.yml",
         "scenario_file", None)]
    # the folder is mirrored: no folder, no scenarios (and no rejects) for that council only
    load_scenarios(con, tmp_path, council="E06000022")
    (folder / "a_good.yml").unlink()
    (folder / "b_bad_share.yml").unlink()
    (folder / "c_same_name.yaml").unlink()
    load_scenarios(con, tmp_path, council="E06000023")
    assert con.execute("select _council from raw.scenarios").fetchall() == [("E06000022",)]
    assert con.execute("select count(*) from raw._rejects where council_code = 'E06000023'").fetchone()[0] == 0
