"""Determinism, the CLI, multi-council runs and the generator's pure helpers."""
from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from sources.contracts import CQC_HSCA_ACTIVE_LOCATIONS, LAS_CLD
from sources.generator import GeneratorConfig, generate
from sources.generator.calibration import ipf, load_targets, round_preserving, stock_matrix, top_shares
from sources.generator.people import nhs_number
from sources.generator.cli import main
from sources.generator.cqc_header import HSCA_ACTIVE_LOCATIONS_HEADER
from sources.generator.extracts import r2, sentence_case, units_text
from sources.generator.geography import councils_for_run
from sources.generator.landing import survey_years
from sources.generator.rungs import APRIL_UPLIFTS, ELEMENT_MAP, TIER3
from sources.generator.timeline import april_firsts


SMALL = "E06000022"  # Bath and North East Somerset


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*.csv"))}


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    a, b, c = (tmp_path_factory.mktemp(n) for n in ("a", "b", "c"))
    # a smaller council keeps these runs quick; every council goes through the same code
    generate(GeneratorConfig(out=a, council=SMALL, months=2, seed=7, workers=2))
    generate(GeneratorConfig(out=b, council=SMALL, months=2, seed=7, workers=1))  # same bytes whatever the split
    generate(GeneratorConfig(out=c, council=SMALL, months=2, seed=8))
    return a, b, c


def test_same_seed_gives_identical_bytes(three_runs: tuple[Path, Path, Path]) -> None:
    a, b, _ = three_runs
    ha, hb = _hashes(a), _hashes(b)
    assert len(ha) == 2 * 5 + 8 + 2  # two months of five files, eight reference files, two surveys
    assert ha == hb


def test_output_does_not_depend_on_the_python_hash_seed(three_runs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-m", "sources.generator", "--out", str(tmp_path), "--months", "2",
                    "--seed", "7", "--council", SMALL, "--quiet"], check=True, env=env, cwd=Path(__file__).resolve().parents[1])
    assert _hashes(tmp_path) == _hashes(three_runs[0])


def test_different_seed_gives_different_extracts(three_runs: tuple[Path, Path, Path]) -> None:
    a, _, c = three_runs
    ha, hc = _hashes(a), _hashes(c)
    assert ha.keys() == hc.keys()
    month = "2024-03"
    for name in (LAS_CLD.file_name(month), CQC_HSCA_ACTIVE_LOCATIONS.file_name(month)):
        assert ha[f"{month}/{name}"] != hc[f"{month}/{name}"]
    # the published reference data does not depend on the seed
    assert ha["reference/census2021-ts007a-ltla.csv"] == hc["reference/census2021-ts007a-ltla.csv"]


def test_cli_writes_several_councils_into_subfolders(tmp_path: Path) -> None:
    rc = main(["--out", str(tmp_path), "--months", "1", "--councils", "2", "--council", "E06000053",
               "--end-month", "2023-06", "--quiet"])
    assert rc == 0
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert len(folders) == 2 and "E06000053" in folders  # Isles of Scilly: the smallest council
    for code in folders:
        with open(tmp_path / code / "2023-06" / LAS_CLD.file_name("2023-06"), newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows and {r["LA Code"] for r in rows} == {code}


def test_cli_rejects_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path), "--council", "E99999999"]) == 2
    assert "unknown local authority" in capsys.readouterr().err
    assert main(["--out", str(tmp_path), "--end-month", "2024-13"]) == 2


def test_hsca_header_is_the_published_one() -> None:
    assert len(HSCA_ACTIVE_LOCATIONS_HEADER) == 122 == len(set(HSCA_ACTIVE_LOCATIONS_HEADER))
    assert HSCA_ACTIVE_LOCATIONS_HEADER[:5] == ("Location ID", "Location HSCA start date", "Dormant (Y/N)",
                                               "Care home?", "Location Name")
    assert set(CQC_HSCA_ACTIVE_LOCATIONS.column_names) <= set(HSCA_ACTIVE_LOCATIONS_HEADER)


def test_release_2_spellings() -> None:
    assert sentence_case("Long Term Support: Nursing Care") == "Long term support: Nursing care"
    assert r2("Direct Payment") == "Direct payment"
    assert r2("CASSR Commissioned Support") == "CASSR commissioned support"
    assert r2("NFA - Deceased") == "NFA: Deceased"
    assert r2("Short Term Support: ST-Max") == "Short term support: ST-Max"
    for value in ("Learning Disability Support", "Support with Memory & Cognition", "Progress to Assessment"):
        assert r2(value).lower() == value.lower()  # code lists match case-insensitively


def test_nhs_numbers_have_valid_check_digits() -> None:
    for body in (400_000_000, 412_345_678, 479_999_999):
        n = nhs_number(body)
        digits = [int(c) for c in n]
        check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1))) % 11
        assert len(n) == 10 and digits[9] == (0 if check == 11 else check)


def test_rounding_and_fitting_helpers() -> None:
    assert round_preserving(np.array([0.4, 0.4, 0.2]), 1).tolist() == [1, 0, 0]
    assert round_preserving(np.array([2.5, 2.5, 5.0])).sum() == 10
    m = ipf(np.array([[1.0, 1.0], [1.0, 3.0]]), np.array([10.0, 20.0]), np.array([12.0, 18.0]))
    assert np.allclose(m.sum(axis=1), [10, 20]) and np.allclose(m.sum(axis=0), [12, 18])


def test_stock_matrix_hits_band_totals_and_activity_shares() -> None:
    t = load_targets()
    rungs = [s.rung for s in TIER3]
    bands = (int(t.h("service_users_18_64")), int(t.h("service_users_65_plus")))
    stock = stock_matrix(rungs, t.pct_activity, {s.rung: s.share_65 for s in TIER3}, bands,
                         {s.rung: s.addon for s in TIER3})
    assert tuple(stock.sum(axis=0)) == bands
    assert (stock >= 0).all()


def test_top_shares_quotas() -> None:
    rng = np.random.default_rng(1)
    inq, outq = top_shares(800, 50, 100, 300, 32.0, rng)
    assert len(inq) == 50 and len(outq) == 100 and min(inq + outq) >= 1
    assert sum(inq) + sum(outq) == 800
    assert abs(sum(sorted(inq, reverse=True)[:5]) / 800 - 0.32) < 0.01


def test_april_uplifts_compound_to_the_published_five_year_rise() -> None:
    t = load_targets()
    factor = float(np.prod([1 + APRIL_UPLIFTS[y] for y in range(2019, 2024)]))
    avg = t.h("average_weekly_cost_per_service_user")
    rise = avg - avg / factor
    assert abs(rise - t.h("five_year_increase_average_weekly_unit_price")) < 5
    assert april_firsts(date(2023, 3, 31).toordinal(), date(2024, 4, 1).toordinal()) == [
        date(2023, 4, 1).toordinal(), date(2024, 4, 1).toordinal()]


def test_element_map_covers_every_rung_but_information_and_advice() -> None:
    rungs = {r for _, _, r in ELEMENT_MAP}
    assert "Information & Advice" not in rungs and {s.rung for s in TIER3} <= rungs
    assert {"Reablement", "Short Term Care"} <= rungs
    codes = [c for c, _, _ in ELEMENT_MAP]
    assert len(codes) == len(set(codes))


def test_survey_years_and_council_lists() -> None:
    months = [(2021, m) for m in range(4, 13)] + [(2022, m) for m in range(1, 4)]
    assert survey_years(months) == {2021: (2021, 4), 2022: (2022, 3)}
    las = councils_for_run("E06000023", 3)
    assert las[0].code == "E06000023" and len({la.code for la in las}) == 3
    with pytest.raises(ValueError):
        councils_for_run("E06000023", 0)
    fifty = councils_for_run("E06000023", 50)  # the benchmark's largest scale
    assert len({la.code for la in fifty}) == 50 and len({la.cqc_name for la in fifty}) == 50


def test_units_text() -> None:
    assert units_text(4) == "1" and units_text(73) == "18.25" and units_text(2) == "0.5"
