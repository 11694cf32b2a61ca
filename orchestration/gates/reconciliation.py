"""Cross-source reconciliation checks for one council's month, run after dbt has built staging
and marts.

They read the raw tables (whose column names the contract fixes) with the same "latest version
wins" rules staging applies, so they also work before staging exists; every table name is a
parameter (``ReconTables``): a council's checks read temporary views of the warehouse's tables
holding that council's rows only (``council_views``), so every query below is the one a warehouse
of a single council would run.  The care-ladder check reads ``marts.care_ladder_monthly`` and is
reported as skipped while that mart does not exist.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

import duckdb

from orchestration.gates.config import GateConfig, load_gate_config
from orchestration.gates.gx_runner import plain
from orchestration.gates.results import CheckResult, failure_message, stage_marker
from orchestration.gates.sqlutil import fetch_dicts, file_label, files_in, qualified, sql_literal, table_exists
from orchestration.months import month_end, month_label, parse_month
from orchestration.partitions_key import Part
from sources.contracts import CARE_LADDER_RUNGS, CONTROCC_PAYMENTS, CONTROCC_SERVICE_LINES, LAS_CLD


@dataclass(frozen=True)
class ReconTables:
    """Tables the reconciliation reads (raw layout: published column names + lineage)."""

    cld: str = "raw.las_cld"
    service_lines: str = "raw.controcc_service_lines"
    payments: str = "raw.controcc_payments"
    element_rung_map: str = "raw.element_rung_map"
    cqc_locations: str = "raw.cqc_hsca_active_locations"
    care_ladder: str = "marts.care_ladder_monthly"


def _plain_dict(d: dict[str, Any]) -> dict[str, Any]:
    return {k: plain(v) for k, v in d.items()}


def council_views(con: duckdb.DuckDBPyConnection, council: str, tables: ReconTables) -> dict[str, str]:
    """Each existing table of ``tables`` -> a temporary view of it holding ``council``'s rows only
    (by its lineage column ``_council`` when it has one, as raw tables do, else by ``council_code``). The checks query the views
    and name the tables."""
    views: dict[str, str] = {}
    for f in fields(ReconTables):
        table = getattr(tables, f.name)
        if not table_exists(con, table):
            continue
        columns = {d[0] for d in con.execute(f"SELECT * FROM {qualified(table)} LIMIT 0").description}
        column = "_council" if "_council" in columns else "council_code"
        view = f"_recon_{f.name}"
        con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {qualified(table)}"
                    f" WHERE {column} = {sql_literal(council)}")
        views[table] = view
    return views


@dataclass
class _Ctx:
    con: duckdb.DuckDBPyConnection
    month: str
    config: GateConfig
    tables: ReconTables
    council: str
    views: dict[str, str]  # table -> the view of the council's rows of it (council_views)

    def rel(self, table: str) -> str:
        """What a query reads for `table`: the council's rows of it."""
        return self.views.get(table) or qualified(table)

    @property
    def m(self) -> date:
        return parse_month(self.month)

    @property
    def snapshot(self) -> date:
        return month_end(self.month)

    def file(self, table: str, fallback: str) -> str:
        if not table_exists(self.con, table):
            return fallback
        return file_label(files_in(self.con, self.views.get(table, table), "_month = ?", [self.m]), fallback)

    def result(self, name: str, default_sev: str, target: str, passed: bool, message: str, **kw: Any) -> CheckResult:
        return CheckResult(
            name=name,
            target=target,
            severity=self.config.severity_for(name, default_sev),  # type: ignore[arg-type]
            passed=passed,
            message=message,
            month=month_label(self.month),
            council=self.council,
            **kw,
        )

    def missing(self, name: str, target: str, file: str, column: str | None, needed: list[str]) -> CheckResult | None:
        absent = [t for t in needed if not table_exists(self.con, t)]
        if not absent:
            return None
        return self.result(
            name, "ERROR", target, False,
            f"{file}, column '{column}': {name.split('.', 1)[1]} could not run: table(s) {', '.join(absent)} not found",
            file=file, column=column,
        )

    def row_check(
        self, name: str, target: str, file: str, column: str, what: str, rows: list[dict[str, Any]],
        ok_text: str, observed: dict[str, Any] | None = None, severity: str = "ERROR",
    ) -> CheckResult:
        if rows:
            first = rows[0]
            msg = failure_message(first.get("file") or file, column, len(rows), what, plain(first.get("line")))
        else:
            msg = f"{file}, column '{column}': {ok_text}"
        return self.result(
            name, severity, target, not rows, msg, file=file, column=column,
            examples=[_plain_dict(r) for r in rows[: self.config.max_examples]],
            observed={**(observed or {}), "failing_rows": len(rows)},
        )


def payments_checks(ctx: _Ctx) -> list[CheckResult]:
    """Payments of the month vs the committed cost of the line periods they pay."""
    t = ctx.tables
    file = ctx.file(t.payments, CONTROCC_PAYMENTS.file_name(ctx.month))
    gone = ctx.missing("controcc_payments.reconciles_to_committed_cost", t.payments, file, "Amount", [t.payments, t.service_lines])
    if gone:
        return [gone]
    groups = fetch_dicts(
        ctx.con,
        f"""
        WITH touched AS (
            SELECT DISTINCT "Service Agreement ID" AS sa, "Line No" AS ln, "Period Start" AS ps, "Period End" AS pe
            FROM {ctx.rel(t.payments)}
            WHERE _month = ? AND lower(trim("Payment Status")) IN ('paid', 'reversed')
        ),
        pay AS (  -- everything paid for those line periods up to this month, net of reversals
            SELECT t.sa, t.ln, t.ps, t.pe,
                   sum(p."Amount") FILTER (WHERE lower(trim(p."Payment Status")) IN ('paid', 'reversed')) AS paid,
                   TRUE AS has_paid,
                   min(p._file) FILTER (WHERE p._month = ?) AS file,
                   min(p._line) FILTER (WHERE p._month = ?) AS line,
                   min(p."Payment ID") FILTER (WHERE p._month = ?) AS payment_id
            FROM touched t
            JOIN {ctx.rel(t.payments)} p
              ON p."Service Agreement ID" = t.sa AND p."Line No" = t.ln AND p."Period Start" = t.ps
             AND p."Period End" = t.pe AND p._month <= ?
            GROUP BY ALL
        ),
        versions AS (
            SELECT p.*, l."Start Date" AS ls, l."End Date" AS le, l."Weekly Cost" AS weekly_cost, l._month AS lm,
                   row_number() OVER (
                       PARTITION BY p.sa, p.ln, p.ps, p.pe
                       ORDER BY (l._month = date_trunc('month', p.ps)) DESC NULLS LAST, l._month DESC NULLS LAST, l._line DESC
                   ) AS rn
            FROM pay p
            LEFT JOIN {ctx.rel(t.service_lines)} l
              ON l."Service Agreement ID" = p.sa AND l."Line No" = p.ln AND l._month <= ?
            WHERE p.has_paid
        )
        SELECT file, line, payment_id AS "Payment ID", sa AS "Service Agreement ID", ln AS "Line No",
               ps AS "Period Start", pe AS "Period End", paid AS amount_paid,
               lm IS NOT NULL AS line_known, weekly_cost AS "Weekly Cost",
               greatest(0, date_diff('day', greatest(ps, ls), least(pe, coalesce(le, pe))) + 1) AS days_committed,
               round(coalesce(CAST(weekly_cost AS DOUBLE), 0)
                     * greatest(0, date_diff('day', greatest(ps, ls), least(pe, coalesce(le, pe))) + 1) / 7, 2)
                   AS committed_cost
        FROM versions WHERE rn = 1
        ORDER BY file, line
        """,
        [ctx.m, ctx.m, ctx.m, ctx.m, ctx.m, ctx.m],
    )
    tol = ctx.config.reconciliation_tolerance
    unknown_lines = [g for g in groups if not g["line_known"]]
    unknown_paid = sum(float(g["amount_paid"] or 0) for g in unknown_lines)
    groups = [g for g in groups if g["line_known"]]
    paid = sum(float(g["amount_paid"] or 0) for g in groups)
    committed = sum(float(g["committed_cost"] or 0) for g in groups)
    for g in groups:
        g["difference"] = round(float(g["amount_paid"] or 0) - float(g["committed_cost"] or 0), 2)
    if committed:
        rel = abs(paid - committed) / committed
        ok = rel <= tol
    else:
        rel = None
        ok = abs(paid) < 0.005
    worst = sorted(groups, key=lambda g: -abs(g["difference"]))
    total = ctx.result(
        "controcc_payments.reconciles_to_committed_cost",
        "ERROR",
        t.payments,
        ok,
        f"{file}, column 'Amount': reconciles_to_committed_cost: payments £{paid:,.2f} for the {len(groups)} line "
        f"periods paid this month (net of reversals, all payment files to date) vs committed cost "
        f"£{committed:,.2f} of the lines they pay"
        + (f" ({rel:.1%} apart" if rel is not None else " (nothing committed")
        + f"; tolerance {tol:.0%})"
        + (f"; £{unknown_paid:,.2f} paid on {len(unknown_lines)} unknown line periods left out" if unknown_lines else ""),
        file=file,
        column="Amount",
        examples=[] if ok else [_plain_dict(g) for g in worst[: ctx.config.max_examples]],
        observed={"paid": round(paid, 2), "committed": round(committed, 2), "relative_difference": rel,
                  "tolerance": tol, "unknown_line_periods": len(unknown_lines), "unknown_paid": round(unknown_paid, 2)},
    )
    line_tol = ctx.config.line_tolerance_pounds
    off = [
        g for g in groups
        if abs(g["difference"]) > max(line_tol, tol * float(g["committed_cost"] or 0))
    ]
    per_line = ctx.row_check(
        "controcc_payments.line_reconciles_to_committed_cost", t.payments, file, "Amount",
        f"Amount paid for a line period differs from its committed cost (Weekly Cost x days / 7) by more than {tol:.0%}",
        off, "every paid line period within tolerance of its committed cost", severity="WARN",
    )
    unknown = [
        {k: g[k] for k in ("file", "line", "Payment ID", "Service Agreement ID", "Line No", "amount_paid")}
        for g in unknown_lines
    ]
    # Money paid on a line that does not exist: ERROR when it totals more than the configured amount
    # (absolute amounts net per line period: a payment and a reversal on two unknown lines do not
    # cancel out). A period that ended before the council's first service lines file loaded cannot
    # be judged (its line may have ended before the history starts): listed, never blocking.
    first = ctx.con.execute(f"SELECT min(_month) FROM {ctx.rel(t.service_lines)}").fetchone()[0]
    judged = [g for g in unknown_lines if first is not None and (g["Period End"] is None or g["Period End"] >= first)]
    unknown_abs = round(sum(abs(float(g["amount_paid"] or 0)) for g in judged), 2)
    before = len(unknown_lines) - len(judged)
    block = ctx.config.unknown_line_payment_block_pounds
    known = ctx.row_check(
        "controcc_payments.pays_known_service_line", t.payments, file, "Line No",
        "Service Agreement ID + Line No matches no ContrOCC service line loaded up to this month "
        f"(left out of the reconciliation; £{unknown_abs:,.2f} paid on such lines, "
        + ("more than" if unknown_abs > block else "not more than")
        + f" the £{block:,.2f} that blocks the month"
        + (f"; {before} of them for periods before the first service lines file loaded ({month_label(first) if first is not None else 'none loaded'}),"
           " not judged" if before else "")
        + ")",
        unknown, "every paid Service Agreement ID + Line No is a known service line",
        observed={"unknown_paid_abs": unknown_abs, "block_pounds": block, "before_first_lines_file": before},
        severity="ERROR" if unknown_abs > block else "WARN",
    )
    return [total, per_line, known]


def funding_line_check(ctx: _Ctx) -> CheckResult:
    """Long-term Service events active at the snapshot have a funding line or are Direct Payments."""
    t = ctx.tables
    file = ctx.file(t.cld, LAS_CLD.file_name(ctx.month))
    name = "las_cld.long_term_service_has_funding_line"
    gone = ctx.missing(name, t.cld, file, "Event Reference", [t.cld, t.service_lines])
    if gone:
        return gone
    rows = fetch_dicts(
        ctx.con,
        f"""
        -- The month's CLD file holds every event open in its 12 months, so an event active at
        -- the snapshot is in it and that row is its latest version up to this month (reading
        -- only this month's rows keeps the check linear in the number of months loaded).
        WITH ev AS (
            SELECT * FROM {ctx.rel(t.cld)} WHERE _month = ?
            QUALIFY row_number() OVER (PARTITION BY trim("Event Reference") ORDER BY _line DESC) = 1
        )
        SELECT _file AS file, _line AS line, "Event Reference", "LA Person Unique Identifier",
               "Service Type", "Delivery Mechanism", "Event Start Date"
        FROM ev
        WHERE lower(trim("Event Type")) = 'service'
          AND lower(trim("Service Type")) LIKE 'long term support:%'
          AND "Event Start Date" <= ? AND ("Event End Date" IS NULL OR "Event End Date" >= ?)
          AND coalesce(lower(trim("Delivery Mechanism")), '') <> 'direct payment'
          AND NOT EXISTS (
              SELECT 1 FROM {ctx.rel(t.service_lines)} l
              WHERE l._month = ? AND trim(l."Event Reference") = trim(ev."Event Reference"))
        ORDER BY _file, _line
        """,
        [ctx.m, ctx.snapshot, ctx.snapshot, ctx.m],
    )
    return ctx.row_check(
        name, t.cld, file, "Event Reference",
        f"a long-term Service event active at {ctx.snapshot} has no ContrOCC service line with that "
        "Event Reference and is not a Direct Payment",
        rows, f"every long-term Service event active at {ctx.snapshot} has a funding line or is a Direct Payment",
    )


def element_mapping_check(ctx: _Ctx) -> CheckResult:
    t = ctx.tables
    file = ctx.file(t.service_lines, CONTROCC_SERVICE_LINES.file_name(ctx.month))
    name = "controcc_service_lines.element_code_mapped"
    gone = ctx.missing(name, t.service_lines, file, "Element Code", [t.service_lines, t.element_rung_map])
    if gone:
        return gone
    rows = fetch_dicts(
        ctx.con,
        f"""
        SELECT _file AS file, _line AS line, "Service Agreement ID", "Line No", "Element Code"
        FROM {ctx.rel(t.service_lines)} l
        WHERE _month = ? AND "Element Code" IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM {ctx.rel(t.element_rung_map)} m
            WHERE upper(trim(m."Element Code")) = upper(trim(l."Element Code")) AND m."Care Ladder Rung" IS NOT NULL)
        ORDER BY _file, _line
        """,
        [ctx.m],
    )
    codes = sorted({r["Element Code"] for r in rows})
    return ctx.row_check(
        name, t.service_lines, file, "Element Code",
        f"Element Code is not mapped to a care-ladder rung in {t.element_rung_map} (codes: {', '.join(codes[:10])})",
        rows, f"every Element Code is mapped to a care-ladder rung in {t.element_rung_map}",
        observed={"unmapped_codes": codes},
    )


def cqc_location_check(ctx: _Ctx) -> CheckResult:
    t = ctx.tables
    file = ctx.file(t.service_lines, CONTROCC_SERVICE_LINES.file_name(ctx.month))
    name = "controcc_service_lines.cqc_location_in_hsca"
    gone = ctx.missing(name, t.service_lines, file, "CQC Location ID", [t.service_lines, t.cqc_locations])
    if gone:
        return gone
    rows = fetch_dicts(
        ctx.con,
        f"""
        SELECT _file AS file, _line AS line, "Service Agreement ID", "Line No", "Supplier ID", "CQC Location ID"
        FROM {ctx.rel(t.service_lines)} l
        WHERE _month = ? AND nullif(trim("CQC Location ID"), '') IS NOT NULL
          AND "Start Date" <= ? AND ("End Date" IS NULL OR "End Date" >= ?)
          AND NOT EXISTS (
              SELECT 1 FROM {ctx.rel(t.cqc_locations)} c
              WHERE c._month = ? AND upper(trim(c."Location ID")) = upper(trim(l."CQC Location ID")))
        ORDER BY _file, _line
        """,
        [ctx.m, ctx.snapshot, ctx.m, ctx.m],
    )
    hsca = ctx.file(t.cqc_locations, f"cqc_hsca_active_locations_{ctx.month}.csv")
    return ctx.row_check(
        name, t.service_lines, file, "CQC Location ID",
        f"a line active in the month names a CQC Location ID that is not in {hsca}",
        rows, f"every CQC Location ID on a line active in the month is in {hsca}",
    )


def la_code_check(ctx: _Ctx, council: str) -> CheckResult:
    t = ctx.tables
    file = ctx.file(t.cld, LAS_CLD.file_name(ctx.month))
    name = "las_cld.la_code_is_council"
    gone = ctx.missing(name, t.cld, file, "LA Code", [t.cld])
    if gone:
        return gone
    rows = fetch_dicts(
        ctx.con,
        f"""SELECT _file AS file, _line AS line, "Event Reference", "LA Code" FROM {ctx.rel(t.cld)}
            WHERE _month = ? AND trim("LA Code") IS DISTINCT FROM ? ORDER BY _file, _line""",
        [ctx.m, council],
    )
    return ctx.row_check(
        name, t.cld, file, "LA Code", f"LA Code is not the council ({council})", rows,
        f"every row is for the council {council}",
    )


def care_ladder_shares_check(ctx: _Ctx) -> list[CheckResult]:
    t = ctx.tables
    out = []
    tier3 = [r for r, tier in CARE_LADDER_RUNGS.items() if tier == 3]
    for measure, base in (("pct_spend", "spend"), ("pct_activity", "service_users")):
        name = f"care_ladder_monthly.shares_sum_to_100:{measure}"
        if not table_exists(ctx.con, t.care_ladder):
            out.append(ctx.result(
                name, "ERROR", t.care_ladder, True,
                f"{t.care_ladder}, column '{measure}': skipped: the mart does not exist yet",
                file=t.care_ladder, column=measure, skipped=True,
            ))
            continue
        placeholders = ", ".join("?" for _ in tier3)
        rows = fetch_dicts(
            ctx.con,
            f"""SELECT age_band, sum({measure}) AS total_pct, sum({base}) AS base_total
                FROM {ctx.rel(t.care_ladder)}
                WHERE month = ? AND care_ladder_rung IN ({placeholders})
                GROUP BY age_band
                HAVING coalesce(sum({base}), 0) > 0
                   AND (sum({measure}) IS NULL OR abs(sum({measure}) - 100) > ?)
                ORDER BY age_band""",
            [ctx.m, *tier3, ctx.config.share_tolerance],
        )
        bands = "; ".join(f"{r['age_band']}: {plain(r['total_pct'])}" for r in rows)
        out.append(ctx.result(
            name, "ERROR", t.care_ladder, not rows,
            f"{t.care_ladder}, column '{measure}': "
            + (f"{len(rows)} age bands where Tier 3 {measure} does not sum to 100 ({bands})" if rows
               else f"Tier 3 {measure} sums to 100 in every age band with {base}"),
            file=t.care_ladder, column=measure,
            examples=[_plain_dict(r) for r in rows[: ctx.config.max_examples]],
            observed={"bands_off": len(rows)},
        ))
    return out


def run_reconciliation_checks(
    con: duckdb.DuckDBPyConnection,
    part: Part,
    config: GateConfig | None = None,
    tables: ReconTables | None = None,
) -> list[CheckResult]:
    """Every reconciliation check of the council's month, plus the stage marker. ``tables``: the
    tables to read (default the warehouse's), each narrowed to the council's rows."""
    part = Part.of(*part)
    tables = tables or ReconTables()
    ctx = _Ctx(con, part.month, config or load_gate_config(), tables, part.council,
               council_views(con, part.council, tables))
    results = [
        *payments_checks(ctx),
        funding_line_check(ctx),
        element_mapping_check(ctx),
        cqc_location_check(ctx),
        la_code_check(ctx, part.council),
        *care_ladder_shares_check(ctx),
    ]
    results.append(stage_marker("gates.reconciliation.completed", part, results))
    return results
