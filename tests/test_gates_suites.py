"""The committed GX suites (expectations/*.json) and the code lists behind them."""
from __future__ import annotations

import csv
import json

import great_expectations as gx
import pytest

from orchestration.gates import code_lists
from orchestration.gates.suites import stale_suites, suite_path
from orchestration.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR
from sources.contracts import FILE_TYPES

SUITE_FILES = sorted(EXPECTATIONS_DIR.glob("*.json"))


def test_one_suite_per_file_type():
    assert {p.stem for p in SUITE_FILES} == set(FILE_TYPES)


@pytest.mark.parametrize("path", SUITE_FILES, ids=lambda p: p.stem)
def test_suite_loads_with_gx(path):
    d = json.loads(path.read_text(encoding="utf-8"))
    suite = gx.ExpectationSuite(name=d["name"], expectations=d["expectations"], meta=d.get("meta"))
    assert suite.name == path.stem and len(suite.expectations) == len(d["expectations"]) > 0
    names = [e.meta["name"] for e in suite.expectations]
    assert len(names) == len(set(names)), "check names must be unique (results are matched on them)"
    for e in suite.expectations:
        assert e.meta["severity"] in ("ERROR", "WARN") and e.meta["fail_text"]
        assert e.severity.value == ("critical" if e.meta["severity"] == "ERROR" else "warning")


def test_committed_suites_match_the_contract():
    assert stale_suites() == [], "run: python -m orchestration.gates.suites"


def test_blocking_fields_follow_the_contract():
    blocking = {col for (ft, col), cl in code_lists.FIELD_CODE_LISTS.items() if ft == "las_cld" and cl.blocking}
    assert blocking == {
        "Event Type", "Service Type", "Service Component", "Delivery Mechanism", "Primary Support Reason",
        "Event Outcome", "Client Type", "Cost Frequency (Unit Type)",
    }
    d = json.loads(suite_path("las_cld").read_text(encoding="utf-8"))
    sev = {e["meta"]["column"]: e["meta"]["severity"] for e in d["expectations"] if e["meta"]["check"] == "in_code_list"}
    assert sev["Service Type"] == "ERROR" and sev["Assessment Type"] == sev["Review Reason"] == sev["Ethnicity"] == "WARN"


def test_code_lists_are_case_insensitive_and_accept_both_releases():
    assert code_lists.is_valid("las_cld", "Service Type", "LONG TERM SUPPORT: NURSING CARE ")
    assert code_lists.is_valid("las_cld", "Service Type", "Long term support: Nursing care")
    assert code_lists.is_valid("las_cld", "Delivery Mechanism", "Direct payment")
    assert code_lists.is_valid("las_cld", "Event Outcome", "NFA: Deceased")
    assert code_lists.is_valid("las_cld", "Service Component", "Home support or domiciliary care")
    assert code_lists.is_valid("cqc_latest_ratings", "Latest Rating", "Requires Improvement")
    assert code_lists.is_valid("las_cld", "Event Type", None)
    assert not code_lists.is_valid("las_cld", "Event Type", "Servcie")
    assert not code_lists.is_valid("element_rung_map", "Care Ladder Rung", "nursing")  # rung names are exact
    assert code_lists.is_valid("element_rung_map", "Care Ladder Rung", "Adult Placement")


SEED = DBT_PROJECT_DIR / "seeds" / "cld_code_map.csv"


@pytest.mark.skipif(not SEED.exists(), reason="dbt seed cld_code_map.csv not present")
def test_gate_accepts_every_value_staging_maps():
    """A value dbt staging canonicalises must never be blocked by the gate (the two lists agree)."""
    with SEED.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    files = {"Rate Unit": "controcc_service_lines", "Funding Source": "controcc_service_lines",
             "Payment Status": "controcc_payments"}
    rejected = [
        (r["field"], r["release_value"])
        for r in rows
        if code_lists.code_list_for(files.get(r["field"], "las_cld"), r["field"])
        and not code_lists.is_valid(files.get(r["field"], "las_cld"), r["field"], r["release_value"])
    ]
    assert rejected == []
