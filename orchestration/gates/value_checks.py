"""(being written) value checks of a council-month's extracts, run with the source checks."""
from __future__ import annotations

import duckdb

from orchestration.gates.config import GateConfig
from orchestration.gates.quarantine import RejectRow
from orchestration.gates.results import CheckResult
from orchestration.partitions_key import Part


def checks_for_parts(
    con: duckdb.DuckDBPyConnection, parts: list[Part], config: GateConfig
) -> dict[Part, tuple[list[CheckResult], list[RejectRow]]]:
    """Each council-month's results and the rows they name (for raw._rejects)."""
    return {}
