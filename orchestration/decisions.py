"""The publish/blocked decision for each council's month, kept in `audit.gate_decisions`, and
what was published, in `audit.publications`.

The decision is derived only from `audit.check_results` (via the gates' `blocking_failures`),
so the publish step can re-derive it and never trusts a run's status.
"""
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from orchestration.gates import blocking_failures, load_results
from orchestration.months import parse_month
from orchestration.partitions_key import Part

DECISIONS_DDL = """
create schema if not exists audit;
create table if not exists audit.gate_decisions (
  council_code varchar, month varchar, blocked boolean, reasons varchar[], decided_at timestamp,
  primary key (council_code, month)
);
create table if not exists audit.publications (
  council_code varchar, month varchar, status varchar, path varchar, published_at timestamp,
  primary key (council_code, month)
);
"""


@dataclass(frozen=True)
class Decision:
    part: Part
    reasons: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return bool(self.reasons)


def decide_month(con: duckdb.DuckDBPyConnection, part: Part) -> Decision:
    failures = blocking_failures(con, part)
    return Decision(part, [f"[{f.name}] {f.message}" for f in failures])


def parts_open_for_dbt(con: duckdb.DuckDBPyConnection, parts: list[Part]) -> list[Part]:
    """The council-months whose source gates (load and validation) found nothing blocking: dbt
    builds only when at least one council-month of its run is open."""
    return [p for p in parts if not any(r.blocking for r in load_results(con, p))]


def record_decision(con: duckdb.DuckDBPyConnection, d: Decision) -> None:
    con.execute(DECISIONS_DDL)
    con.execute("delete from audit.gate_decisions where council_code = ? and month = ?", [*d.part])
    con.execute(
        "insert into audit.gate_decisions values (?, ?, ?, ?, ?)",
        [*d.part, d.blocked, d.reasons, datetime.now()],
    )


def record_publication(con: duckdb.DuckDBPyConnection, part: Part, status: str, path: str) -> None:
    con.execute(DECISIONS_DDL)
    con.execute("delete from audit.publications where council_code = ? and month = ?", [*part])
    con.execute(
        "insert into audit.publications values (?, ?, ?, ?, ?)", [*part, status, path, datetime.now()]
    )


def read_outcomes(
    con: duckdb.DuckDBPyConnection, parts: list[Part], since: datetime
) -> dict[Part, tuple[str, list[str]]]:
    """council-month -> (status, reasons) decided by the run that started at `since`: published,
    already published, blocked, or not run (the run stopped before deciding)."""
    con.execute(DECISIONS_DDL)
    out: dict[Part, tuple[str, list[str]]] = {}
    for p in parts:
        parse_month(p.month)
        dec = con.execute(
            "select blocked, reasons from audit.gate_decisions"
            " where council_code = ? and month = ? and decided_at >= ?",
            [*p, since],
        ).fetchone()
        pub = con.execute(
            "select status from audit.publications where council_code = ? and month = ? and published_at >= ?",
            [*p, since],
        ).fetchone()
        if dec and dec[0]:
            out[p] = ("blocked", list(dec[1]))
        elif pub:
            out[p] = (pub[0], [])
        else:  # the run stopped early: what the recorded checks say is still the reason
            d = decide_month(con, p)
            out[p] = ("blocked", d.reasons) if d.blocked else (
                "not run", ["the run stopped before this month was published (see the errors above)"])
    return out


def published_councils(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, str]:
    """council -> the folder its pack of `month` was first published to (audit.publications), for
    the councils whose month is published: what `ascw republish` may re-issue."""
    con.execute(DECISIONS_DDL)
    rows = con.execute(
        "select council_code, path from audit.publications where month = ?"
        " and status in ('published', 'already published') order by council_code", [month]).fetchall()
    return {c: p for c, p in rows}


def recheck_month(con: duckdb.DuckDBPyConnection, part: Part) -> Decision:
    """The gate again for a council-month about to be re-issued (`ascw republish`): its
    reconciliation checks re-run against the marts as they are now and recorded, as the
    publication step does, then the decision from every check recorded for it, recorded in
    audit.gate_decisions. A re-issue goes ahead only when it is not blocked."""
    from orchestration.gates import load_gate_config, record_results, run_reconciliation_checks

    record_results(con, run_reconciliation_checks(con, part, load_gate_config()))
    decision = decide_month(con, part)
    record_decision(con, decision)
    return decision
