"""The manifest's source files: the month's own files, the reference files in force, and the
survey file its survey KPIs use (the latest survey year up to the month's year, wherever loaded)."""
from datetime import datetime

import duckdb
import pytest

from orchestration.pack.manifest import source_files
from sources.contracts import LOAD_LOG_DDL


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute("create schema raw")
    c.execute(LOAD_LOG_DDL)

    def log(file_type: str, month: str | None, file: str, status: str = "loaded", at: int = 1,
            council: str = "E06000023") -> None:
        c.execute("insert into raw._load_log values (?, ?, ?, ?, ?, ?, 1, 1, 0, ?, null, ?, ?)",
                  [f"L{at}", file_type, month, file, "/x/" + file, "ab" * 32, status, datetime(2024, 1, at), council])

    log("kpi_targets", None, "kpi_targets.csv")
    log("ascs_responses", "2023-03-01", "ascs_responses_2023.csv")
    log("ascs_responses", "2024-03-01", "ascs_responses_2024.csv")
    log("ascs_responses", "2025-05-01", "ascs_responses_2025.csv", status="rejected")
    for m in ("2024-02", "2024-03", "2025-06"):
        log("las_cld", f"{m}-01", f"las_cld_{m}.csv")
    # another council of the warehouse: its files are never in this council's manifest
    log("kpi_targets", None, "kpi_targets.csv", at=2, council="E06000022")
    log("ascs_responses", "2024-03-01", "ascs_responses_2025.csv", at=3, council="E06000022")
    log("las_cld", "2024-03-01", "las_cld_2024-03_other.csv", council="E06000022")
    return c


def _files(con: duckdb.DuckDBPyConnection, month: str) -> list[str]:
    return [r["file"] for r in source_files(con, month, "E06000023")]


def test_the_survey_in_force_is_listed_once(con: duckdb.DuckDBPyConnection) -> None:
    # February 2024: the 2024 survey (delivered in March's folder) is the latest year <= 2024.
    assert _files(con, "2024-02") == ["kpi_targets.csv", "las_cld_2024-02.csv", "ascs_responses_2024.csv"]
    # March 2024: it came with the month's own files: listed there, not twice.
    assert _files(con, "2024-03") == ["kpi_targets.csv", "ascs_responses_2024.csv", "las_cld_2024-03.csv"]
    # June 2025: the 2025 file was rejected, so the 2024 survey is the one in force.
    assert _files(con, "2025-06")[-1] == "ascs_responses_2024.csv"
