"""The month's publication gate: cross-source reconciliation after dbt, then the decision.

`publication_gate` runs the reconciliation checks for each month of the run, records them in
`audit.check_results`, and writes the month's decision to `audit.gate_decisions` from *every*
check recorded for that month (source gates, dbt tests, reconciliation): a month with any
failed ERROR check is blocked, with its reasons.
"""
from collections.abc import Iterator

import dagster as dg

from orchestration.decisions import decide_month, record_decision
from orchestration.defs.partitions import monthly_partitions, months_of, single_run
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.warehouse import warehouse_models
from orchestration.gates import load_gate_config, record_results, run_reconciliation_checks
from orchestration.progress import progress

GATE_KEY = dg.AssetKey(["audit", "publication_gate"])


@dg.asset(
    key=GATE_KEY,
    deps=[warehouse_models],
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    group_name="gates",
    kinds={"duckdb"},
    description="Reconciliation checks across sources, then the month's publish/blocked decision "
    "from every check recorded for it (audit.gate_decisions).",
    check_specs=[
        dg.AssetCheckSpec(
            "reconciliation",
            asset=GATE_KEY,
            description="Payments vs committed cost, funded long-term events, mapped element codes, "
            "CQC locations present, care-ladder shares summing to 100.",
        ),
        dg.AssetCheckSpec(
            "all_blocking_checks_passed",
            asset=GATE_KEY,
            description="No ERROR check failed for the month (source, dbt, reconciliation).",
        ),
    ],
)
def publication_gate(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator:
    config = load_gate_config()
    recon_failed: list[str] = []
    blocked: dict[str, list[str]] = {}
    with warehouse.connect() as con:
        council = warehouse.council_code(con)
        for month in months_of(context):
            results = run_reconciliation_checks(con, month, council, config)
            record_results(con, results)
            recon_failed += [f"{month}: {r.message}" for r in results if not r.passed and r.severity == "ERROR"]
            decision = decide_month(con, month)
            record_decision(con, decision)
            if decision.blocked:
                blocked[month] = decision.reasons
            progress("gate", f"{month}: {'BLOCKED - ' + decision.reasons[0] if decision.blocked else 'ok to publish'}")
    yield dg.MaterializeResult(
        metadata={"months": len(months_of(context)), "blocked": len(blocked)}
    )
    yield dg.AssetCheckResult(
        check_name="reconciliation",
        passed=not recon_failed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"failures": dg.MetadataValue.md("\n".join(f"- {m}" for m in recon_failed[:50]) or "none")},
    )
    yield dg.AssetCheckResult(
        check_name="all_blocking_checks_passed",
        passed=not blocked,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "blocked_months": dg.MetadataValue.md(
                "\n".join(f"- {m}: {r[0]}" for m, r in blocked.items()) or "none"
            )
        },
    )
