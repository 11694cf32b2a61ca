"""`ascw demo` ends by naming the first and the latest pack and how to open them (issue 30), and
`make demo` publishes a demo that stays within its time (the Makefile's DEMO_MONTHS)."""
import re

import pytest
from pathlib import Path

from orchestration.cli import demo_announcement

ROOT = Path(__file__).resolve().parent.parent


def test_the_announcement_names_the_first_and_latest_pack_and_how_to_open_the_report(tmp_path):
    exports = tmp_path / "exports"
    for month in ("2023-03", "2023-04", "2024-03"):
        (exports / month).mkdir(parents=True)
        (exports / month / "report.html").write_text("<html></html>")
    (exports / "2024-04").mkdir()  # no report: not a published pack
    text = demo_announcement(exports, tmp_path / "warehouse" / "ascw.duckdb")
    assert "Published 3 monthly pack(s)" in text and "the first 2023-03, the latest 2024-03" in text
    assert f"Open its report in a browser: {exports / '2024-03' / 'report.html'}" in text
    assert f"file://{(exports / '2024-03' / 'report.html').as_posix()}" in text
    assert str(exports / "2024-03" / "mps_tables.xlsx") in text and f"First pack:    {exports / '2023-03'}" in text


def test_no_pack_is_said_plainly(tmp_path):
    assert "No pack was published" in demo_announcement(tmp_path / "none", tmp_path / "w.duckdb")


def test_make_demo_generates_a_financial_year_and_a_month():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^DEMO_MONTHS \?= 13$", makefile, re.M)
    assert "ascw demo --months $(DEMO_MONTHS)" in makefile


def test_a_generator_that_fails_stops_the_demo_before_any_refresh(tmp_path, monkeypatch, capsys):
    """The demo's generator runs as a process of its own (beside the parse and the imports): when
    it fails, `ascw demo` says so and exits 4 without refreshing anything."""
    import argparse
    import threading

    from orchestration import cli
    from orchestration.settings import load_settings

    settings = load_settings({"ASCW_LANDING": str(tmp_path / "landing"), "ASCW_WAREHOUSE": str(tmp_path / "wh" / "a.duckdb"),
                              "ASCW_EXPORTS": str(tmp_path / "exports")})
    idle = threading.Thread(target=lambda: None)
    idle.start()
    monkeypatch.setattr(cli, "_parse_in_background", lambda warehouse: idle)  # the parse is tested in test_dbt_manifest
    monkeypatch.setattr(cli, "refresh", lambda *a, **k: pytest.fail("refreshed after the generator failed"))
    code = cli.demo(argparse.Namespace(regenerate=True, months=0, seed=1), settings)  # no months: the generator refuses
    assert code == cli.EXIT_FAILED
    assert "the demo council was not generated (the generator exited with 2)" in capsys.readouterr().err
    assert not (tmp_path / "exports").exists()
