"""The publish/blocked decision for a month, kept in `audit.gate_decisions`.

The decision is derived only from `audit.check_results` (via the gates' `blocking_failures`),
so the publish step can re-derive it and never trusts a run's status.
"""
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from orchestration.gates import blocking_failures, load_results

DECISIONS_DDL = """
create schema if not exists audit;
create table if not exists audit.gate_decisions (
  month varchar primary key, blocked boolean, reasons varchar[], decided_at timestamp
);
create table if not exists audit.publications (
  month varchar primary key, status varchar, path varchar, published_at timestamp
);
"""


@dataclass(frozen=True)
class Decision:
    month: str
    reasons: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return bool(self.reasons)


def decide_month(con: duckdb.DuckDBPyConnection, month: str) -> Decision:
    failures = blocking_failures(con, month)
    return Decision(month, [f"[{f.name}] {f.message}" for f in failures])


def months_open_for_dbt(con: duckdb.DuckDBPyConnection, months: list[str]) -> list[str]:
    """The months whose source gates (load and validation) found nothing blocking: dbt builds
    only when at least one month of its run is open."""
    return [m for m in months if not any(r.blocking for r in load_results(con, m))]


def record_decision(con: duckdb.DuckDBPyConnection, d: Decision) -> None:
    con.execute(DECISIONS_DDL)
    con.execute("delete from audit.gate_decisions where month = ?", [d.month])
    con.execute(
        "insert into audit.gate_decisions values (?, ?, ?, ?)",
        [d.month, d.blocked, d.reasons, datetime.now()],
    )


def record_publication(con: duckdb.DuckDBPyConnection, month: str, status: str, path: str) -> None:
    con.execute(DECISIONS_DDL)
    con.execute("delete from audit.publications where month = ?", [month])
    con.execute(
        "insert into audit.publications values (?, ?, ?, ?)", [month, status, path, datetime.now()]
    )


def read_outcomes(
    con: duckdb.DuckDBPyConnection, months: list[str], since: datetime
) -> dict[str, tuple[str, list[str]]]:
    """month -> (status, reasons) decided by the run that started at `since`: published,
    already published, blocked, or not run (the run stopped before deciding)."""
    con.execute(DECISIONS_DDL)
    out: dict[str, tuple[str, list[str]]] = {}
    for m in months:
        dec = con.execute(
            "select blocked, reasons from audit.gate_decisions where month = ? and decided_at >= ?",
            [m, since],
        ).fetchone()
        pub = con.execute(
            "select status from audit.publications where month = ? and published_at >= ?", [m, since]
        ).fetchone()
        if dec and dec[0]:
            out[m] = ("blocked", list(dec[1]))
        elif pub:
            out[m] = (pub[0], [])
        else:  # the run stopped early: what the recorded checks say is still the reason
            d = decide_month(con, m)
            out[m] = ("blocked", d.reasons) if d.blocked else (
                "not run", ["the run stopped before this month was published (see the errors above)"])
    return out
