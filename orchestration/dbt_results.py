"""Turn dbt's run_results.json into check results, one per dbt test per month."""
from collections.abc import Mapping
from typing import Any

from orchestration.gates.results import CheckResult


def results_from_run_results(
    run_results: Mapping[str, Any], manifest: Mapping[str, Any], months: list[str]
) -> list[CheckResult]:
    """Every dbt test (and model error) as a CheckResult for each month of the run.

    The marts are rebuilt over all months at once, so a failing test concerns every month the
    run refreshes. Severity comes from the test's own config (`error` -> ERROR, `warn` -> WARN).
    """
    nodes = manifest.get("nodes", {})
    out: list[CheckResult] = []
    for res in run_results.get("results", []):
        uid: str = res["unique_id"]
        node = nodes.get(uid, {})
        kind = node.get("resource_type", uid.split(".")[0])
        if kind not in ("test", "unit_test", "model", "seed"):
            continue
        status = res.get("status")
        if kind in ("model", "seed") and status == "success":
            continue  # only failing builds are worth a row; tests are always recorded
        severity = str(node.get("config", {}).get("severity", "error")).upper()
        severity = "WARN" if severity == "WARN" else "ERROR"
        passed = status in ("pass", "success", "skipped") or (status == "warn")
        name = f"dbt:{node.get('name', uid)}"
        target = (node.get("attached_node") or "").split(".")[-1] or node.get("name", "")
        message = f"dbt {kind} {node.get('name', uid)}: {status}"
        if res.get("failures"):
            message += f" ({res['failures']} failing rows)"
        if res.get("message") and not passed:
            message += f": {str(res['message'])[:300]}"
        for m in months:
            out.append(
                CheckResult(
                    name=name,
                    target=target,
                    severity="WARN" if status == "warn" else severity,
                    passed=passed,
                    message=message,
                    month=m,
                )
            )
    return out
