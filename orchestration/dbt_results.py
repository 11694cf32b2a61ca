"""dbt's run_results.json as check results for each council-month of the run.

One dbt build serves every council of a run, so each failing test is pinned on the councils it
failed for: every test of the project returns `council_code` among its failing rows (the generic
tests are the project's own, dbt_project/macros/tests/, and the singular tests select it), so the
councils are read back from those rows (`failing_councils`, the test's compiled SQL run again in
the warehouse: only failing tests, a handful of queries at most). A council-month fails a test
only when its council is among them; the others pass it. A failure that cannot be pinned on a
council (a test whose rows carry no `council_code`, a test that could not run, a model that did
not build) fails every council-month of the run, and its message says so.

Severity: the build runs every data test at dbt severity `warn` (dbt_project.yml), so that one
council's failing test never makes dbt skip the models of the others; the test's severity at the
publication gate is its `meta.gate_severity` (`error` unless the test says `warn`).
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from orchestration.gates.results import CheckResult
from orchestration.partitions_key import Part

FAILED = ("fail", "warn", "error")
UNATTRIBUTED = "cannot be attributed to a council: it blocks every council of the run"


def gate_severity(node: Mapping[str, Any]) -> str:
    config = node.get("config", {}) or {}
    meta = {**(node.get("meta") or {}), **(config.get("meta") or {})}
    declared = str(meta.get("gate_severity", "error")).upper()
    return "WARN" if declared == "WARN" else "ERROR"


def compiled_sql(result: Mapping[str, Any], node: Mapping[str, Any], target: Path | None) -> str | None:
    """The test's compiled query: from run_results, the manifest, or the compiled file."""
    for source in (result, node):
        code = source.get("compiled_code")
        if code:
            return str(code)
    if target is not None and node.get("original_file_path") and node.get("package_name"):
        path = target / "compiled" / node["package_name"] / node["original_file_path"]
        candidate = path.parent / path.stem / f"{node['name']}.sql" if path.suffix == ".yml" else path
        for p in (candidate, path.with_suffix(".sql")):
            if p.is_file():
                return p.read_text(encoding="utf-8")
    return None


def failing_councils(con: duckdb.DuckDBPyConnection, sql: str | None) -> set[str] | None:
    """The councils named by the test query's failing rows; None when the rows have no
    `council_code` column (or the query cannot be run again)."""
    if not sql:
        return None
    try:
        columns = [d[0] for d in con.execute(f"select * from ({sql}) limit 0").description]
        if "council_code" not in columns:
            return None
        return {r[0] for r in con.execute(f"select distinct council_code from ({sql})").fetchall()}
    except duckdb.Error:
        return None


def results_for_parts(
    con: duckdb.DuckDBPyConnection,
    run_results: Mapping[str, Any],
    manifest: Mapping[str, Any],
    target: Path | None,
    parts: list[Part],
) -> list[CheckResult]:
    """Every dbt test (and failed model or seed) as a CheckResult for each council-month of the
    run (see the module docstring)."""
    nodes = manifest.get("nodes", {})
    out: list[CheckResult] = []
    for res in run_results.get("results", []):
        uid: str = res["unique_id"]
        node = nodes.get(uid, {})
        kind = node.get("resource_type", uid.split(".")[0])
        if kind not in ("test", "model", "seed"):
            continue
        status = res.get("status")
        if kind in ("model", "seed") and status == "success":
            continue  # only failing builds are worth a row; tests are always recorded
        name = f"dbt:{node.get('name', uid)}"
        target_name = (node.get("attached_node") or "").split(".")[-1] or node.get("name", "")
        failed = status in FAILED or (kind != "test" and status != "success")
        councils: set[str] | None = set()
        if failed:
            councils = failing_councils(con, compiled_sql(res, node, target)) if kind == "test" and status != "error" else None
        severity = gate_severity(node) if kind == "test" else "ERROR"
        message = f"dbt {kind} {node.get('name', uid)}: {status}"
        if res.get("failures"):
            message += f" ({res['failures']} failing rows)"
        if res.get("message") and failed:
            message += f": {str(res['message'])[:300]}"
        for part in parts:
            mine = failed and (councils is None or part.council in councils)
            text = message
            if failed and councils is None:
                text += f"; {UNATTRIBUTED}"
            elif failed and not mine:
                text = f"dbt {kind} {node.get('name', uid)}: pass for {part.council} (failed for {', '.join(sorted(councils or ()))})"
            elif failed and len(councils or ()) > 0:
                text += f"; for {part.council}"
            out.append(CheckResult(
                name=name, target=target_name, severity=severity,  # type: ignore[arg-type]
                passed=not mine, message=text, month=part.month, council=part.council,
                observed={"dbt_status": status, "councils": sorted(councils) if councils else None},
            ))
    return out
