"""Value and completeness checks of a council-month's ContrOCC service lines, as SQL inside DuckDB
over the raw tables (run with the source checks: ``source_checks._check_parts``; issue 27).

They catch extract errors that every row-level check lets through because each row is
self-consistent and under the ceilings:

* **value change** (``controcc_service_lines.value_change:Weekly Cost`` WARN,
  ``..value_change_extreme:Weekly Cost`` ERROR): a line whose ``Unit Rate`` or ``Weekly Cost`` is
  ``value_change_warn_factor`` times (or that fraction of) its previous version -- the same
  ``Service Agreement ID`` + ``Line No`` in the council's latest earlier file -- is listed;
  from ``value_change_error_factor`` it blocks. The latest version of a line restates every
  earlier month (OUTPUTS.md), so one mis-keyed rate changes the whole trend, not one month.
* **rate outlier** (``controcc_service_lines.rate_outlier:Unit Rate`` WARN,
  ``..rate_outlier_extreme:Unit Rate`` ERROR): a line new in the month, or whose rate changed, with
  a ``Unit Rate`` outside its rung's robust range: the council's own distinct line versions of
  that care-ladder rung (``element_rung_map``) and ``Rate Unit`` over its loaded months, on the
  log scale, median +/- ``rate_range_mads`` robust SDs (1.4826 x MAD) and at least a factor
  ``rate_range_min_factor`` either side; judged only with ``rate_range_min_lines`` lines or
  more. ERROR when the rate is also ``rate_range_error_factor`` times (or that fraction of) the
  median. A line is judged when it first appears (or is re-priced), not again every month.
* **completeness** (``controcc_service_lines.completeness:vanished_lines`` WARN,
  ``..completeness:vanished_share`` ERROR): a line open in the council's previous file (blank
  ``End Date`` or ending on or after the month's first day) and absent from the month's file
  is listed; dbt treats it as ended at the end of the last month it was listed
  (``int_service_lines``). When ``vanished_share_error`` or more of the previous file's open
  lines are gone (and it held ``vanished_min_lines`` or more), the extract is partial: ERROR.
"""
from __future__ import annotations

from typing import Any

import duckdb

from orchestration.gates.config import GateConfig
from orchestration.gates.gx_runner import plain
from orchestration.gates.quarantine import RejectRow
from orchestration.gates.results import CheckResult
from orchestration.gates.sqlutil import fetch_dicts, file_label, files_by_part, parts_values, qualified, raw_table, table_exists
from orchestration.months import month_end, month_label, parse_month
from orchestration.partitions_key import Part
from sources.contracts import CONTROCC_SERVICE_LINES, ELEMENT_RUNG_MAP

FT = CONTROCC_SERVICE_LINES
TARGET = raw_table(FT)
LINES = qualified(TARGET)
RUNG_MAP = qualified(raw_table(ELEMENT_RUNG_MAP))

CHANGE = "controcc_service_lines.value_change:Weekly Cost"
CHANGE_EXTREME = "controcc_service_lines.value_change_extreme:Weekly Cost"
OUTLIER = "controcc_service_lines.rate_outlier:Unit Rate"
OUTLIER_EXTREME = "controcc_service_lines.rate_outlier_extreme:Unit Rate"
VANISHED = "controcc_service_lines.completeness:vanished_lines"
VANISHED_SHARE = "controcc_service_lines.completeness:vanished_share"
ROBUST_SD = 1.4826  # MAD x 1.4826 = the standard deviation of a normal distribution

Checked = tuple[list[CheckResult], list[RejectRow]]


def _parts_cte(parts: list[Part]) -> str:
    return f"_p AS (SELECT * FROM (VALUES {parts_values(parts)}) AS _v(c, s, e))"


def _part_of(row: dict[str, Any]) -> Part:
    return Part(row["_council"], month_label(row["_month"]))


def _money(v: Any) -> str:
    return "blank" if v is None else f"£{float(v):,.2f}"


def _times(f: float) -> str:
    return f"{f:.1f}x" if f < 100 else f"{f:,.0f}x"


def _key(row: dict[str, Any]) -> str:
    return f"{row['sa']}/{row['line_no']}"


def _result(name: str, default: str, part: Part, passed: bool, message: str, config: GateConfig, *, file: str,
            column: str | None, examples: list[dict[str, Any]] | None = None,
            observed: dict[str, Any] | None = None, skipped: bool = False) -> CheckResult:
    return CheckResult(
        name=name,
        target=TARGET,
        severity=config.severity_for(name, default),  # type: ignore[arg-type]
        passed=passed,
        message=message,
        month=part.month,
        council=part.council,
        file=file,
        column=column,
        examples=examples or [],
        observed=observed or {},
        skipped=skipped,
    )


def _rejects(rows: list[dict[str, Any]], name: str, severity: str, column: str, what: str,
             file_key: str = "_file", line_key: str = "_line") -> list[RejectRow]:
    return [
        RejectRow(
            file_type=FT.key,
            file=r[file_key],
            line=plain(r[line_key]),
            column=column,
            value=f"{_key(r)}: {r['_value']}",
            check_name=name,
            severity=severity,
            description=what,
            load_id=r.get("_load_id"),
        )
        for r in rows
    ]


# --- value change against the line's previous version ---------------------------------------

_KEYED = """t."Service Agreement ID" IS NOT NULL AND t."Line No" IS NOT NULL"""

CHANGE_SQL = """
WITH {parts_cte},
cur AS (
    SELECT t._council, t._month, t._file, t._line, t._load_id,
           trim(t."Service Agreement ID") AS sa, t."Line No" AS line_no, t."Element Code" AS element_code,
           CAST(t."Unit Rate" AS DOUBLE) AS rate, CAST(t."Weekly Cost" AS DOUBLE) AS cost
    FROM {lines} t JOIN _p ON t._council = _p.c AND t._month = _p.s
    WHERE {keyed}
),
prev AS (
    SELECT t._council, t._month, t._file, t._line, trim(t."Service Agreement ID") AS sa, t."Line No" AS line_no,
           CAST(t."Unit Rate" AS DOUBLE) AS rate, CAST(t."Weekly Cost" AS DOUBLE) AS cost
    FROM {lines} t
    WHERE t._council IN (SELECT c FROM _p) AND t._month < (SELECT max(s) FROM _p) AND {keyed}
    QUALIFY row_number() OVER (
        PARTITION BY t._council, t._month, trim(t."Service Agreement ID"), t."Line No" ORDER BY t._line DESC) = 1
),
pairs AS (
    SELECT cur.*, prev._month AS prev_month, prev._file AS prev_file, prev._line AS prev_line,
           prev.rate AS prev_rate, prev.cost AS prev_cost,
           CASE WHEN cur.rate > 0 AND prev.rate > 0
                THEN greatest(cur.rate / prev.rate, prev.rate / cur.rate) END AS rate_factor,
           CASE WHEN cur.cost > 0 AND prev.cost > 0
                THEN greatest(cur.cost / prev.cost, prev.cost / cur.cost) END AS cost_factor
    FROM cur ASOF JOIN prev
      ON cur._council = prev._council AND cur.sa = prev.sa AND cur.line_no = prev.line_no
     AND cur._month > prev._month
)
SELECT *, greatest(coalesce(rate_factor, 1.0), coalesce(cost_factor, 1.0)) AS factor
FROM pairs
WHERE greatest(coalesce(rate_factor, 1.0), coalesce(cost_factor, 1.0)) >= ?
ORDER BY _council, _month, _file, _line
"""


def _change_example(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "file": r["_file"], "line": plain(r["_line"]), "Service Agreement ID": r["sa"], "Line No": plain(r["line_no"]),
        "Element Code": r["element_code"], "previous file": r["prev_file"], "previous line": plain(r["prev_line"]),
        "previous Unit Rate": r["prev_rate"], "Unit Rate": r["rate"],
        "previous Weekly Cost": r["prev_cost"], "Weekly Cost": r["cost"], "factor": round(r["factor"], 2),
    }


def _change_text(r: dict[str, Any]) -> str:
    return (f"{_key(r)} (line {r['_line']}): Weekly Cost {_money(r['prev_cost'])} -> {_money(r['cost'])}, "
            f"Unit Rate {_money(r['prev_rate'])} -> {_money(r['rate'])} ({_times(r['factor'])}; previous version "
            f"{r['prev_file']} line {r['prev_line']})")


def _listed(rows: list[dict[str, Any]], text: Any, config: GateConfig) -> str:
    shown = "; ".join(text(r) for r in rows[: config.max_examples])
    more = len(rows) - config.max_examples
    return shown + (f"; and {more} more" if more > 0 else "")


def value_change_checks(con: duckdb.DuckDBPyConnection, parts: list[Part], config: GateConfig,
                        files: dict[Part, str]) -> dict[Part, Checked]:
    warn_f, err_f = config.value_change_warn_factor, config.value_change_error_factor
    rows = fetch_dicts(con, CHANGE_SQL.format(parts_cte=_parts_cte(parts), lines=LINES, keyed=_KEYED), [min(warn_f, err_f)])
    found: dict[Part, list[dict[str, Any]]] = {p: [] for p in parts}
    for r in rows:
        r["_value"] = f"Weekly Cost {_money(r['prev_cost'])} -> {_money(r['cost'])}, Unit Rate {_money(r['prev_rate'])} -> {_money(r['rate'])}"
        found[_part_of(r)].append(r)
    out: dict[Part, Checked] = {}
    for p in parts:
        if p not in files:
            continue
        extreme = [r for r in found[p] if r["factor"] >= err_f]
        large = [r for r in found[p] if r["factor"] < err_f]
        results, rejects = [], []
        for name, default, sel, lo, hi in ((CHANGE, "WARN", large, warn_f, err_f), (CHANGE_EXTREME, "ERROR", extreme, err_f, None)):
            band = f"{lo:g}x" + (f" to {hi:g}x" if hi else " or more")
            what = (f"Unit Rate or Weekly Cost changed by {band} (up or down) against the line's previous version "
                    f"(same Service Agreement ID + Line No in the council's latest earlier file)")
            sev = config.severity_for(name, default)
            if sel:
                noun = "line" if len(sel) == 1 else "lines"
                msg = f"{files[p]}, column 'Weekly Cost': {len(sel)} {noun} where {what}: {_listed(sel, _change_text, config)}"
            else:
                msg = f"{files[p]}: no line whose Unit Rate or Weekly Cost changed by {band} against its previous version"
            results.append(_result(
                name, default, p, not sel, msg, config, file=files[p], column="Weekly Cost",
                examples=[_change_example(r) for r in sel[: config.max_examples]],
                observed={"failing_rows": len(sel), "factor_from": lo, "factor_below": hi,
                          "largest_factor": round(max((r["factor"] for r in sel), default=1.0), 4)},
            ))
            rejects += _rejects(sel, name, sev, "Weekly Cost", what)
        out[p] = results, rejects
    return out


# --- unit rate against its rung's robust range -------------------------------------------------

OUTLIER_SQL = """
WITH {parts_cte},
rung_map AS (
    SELECT _council, upper(trim("Element Code")) AS code, min(trim("Care Ladder Rung")) AS rung
    FROM {rung_map}
    WHERE _council IN (SELECT c FROM _p) AND "Element Code" IS NOT NULL AND "Care Ladder Rung" IS NOT NULL
    GROUP BY 1, 2
),
lines AS (
    SELECT t._council, t._month, t._file, t._line, t._load_id,
           trim(t."Service Agreement ID") AS sa, t."Line No" AS line_no, t."Element Code" AS element_code,
           rung_map.rung, lower(trim(t."Rate Unit")) AS unit, trim(t."Rate Unit") AS rate_unit,
           CAST(t."Unit Rate" AS DOUBLE) AS rate
    FROM {lines} t
    JOIN rung_map ON rung_map._council = t._council AND rung_map.code = upper(trim(t."Element Code"))
    WHERE t._council IN (SELECT c FROM _p) AND t."Unit Rate" > 0 AND nullif(trim(t."Rate Unit"), '') IS NOT NULL
      AND {keyed}
),
versions AS (
    SELECT DISTINCT _council, rung, unit, sa, line_no, rate FROM lines
),
centre AS (
    SELECT _council, rung, unit, count(*) AS n, median(ln(rate)) AS m
    FROM versions GROUP BY _council, rung, unit HAVING count(*) >= ?
),
stats AS (
    SELECT v._council, v.rung, v.unit, any_value(c.n) AS n, any_value(c.m) AS m,
           median(abs(ln(v.rate) - c.m)) AS mad
    FROM versions v JOIN centre c ON c._council = v._council AND c.rung = v.rung AND c.unit = v.unit
    GROUP BY v._council, v.rung, v.unit
),
ranges AS (
    SELECT *, greatest(? * {robust_sd} * mad, ln(?)) AS w FROM stats
),
cur AS (
    SELECT lines.* FROM lines JOIN _p ON lines._council = _p.c AND lines._month = _p.s
),
prev AS (
    SELECT _council, _month, sa, line_no, rate FROM lines
    WHERE _month < (SELECT max(s) FROM _p)
    QUALIFY row_number() OVER (PARTITION BY _council, _month, sa, line_no ORDER BY _line DESC) = 1
),
judged AS (
    SELECT cur.*, prev.rate AS prev_rate
    FROM cur ASOF LEFT JOIN prev
      ON cur._council = prev._council AND cur.sa = prev.sa AND cur.line_no = prev.line_no
     AND cur._month > prev._month
)
SELECT judged.*, ranges.n AS rung_lines, exp(ranges.m) AS median_rate, exp(ranges.m - ranges.w) AS range_low,
       exp(ranges.m + ranges.w) AS range_high, exp(abs(ln(judged.rate) - ranges.m)) AS times_median
FROM judged
JOIN ranges ON ranges._council = judged._council AND ranges.rung = judged.rung AND ranges.unit = judged.unit
WHERE (judged.prev_rate IS NULL OR judged.prev_rate <> judged.rate)
  AND abs(ln(judged.rate) - ranges.m) > ranges.w
ORDER BY judged._council, judged._month, judged._file, judged._line
"""


def _outlier_example(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "file": r["_file"], "line": plain(r["_line"]), "Service Agreement ID": r["sa"], "Line No": plain(r["line_no"]),
        "Element Code": r["element_code"], "Care Ladder Rung": r["rung"], "Rate Unit": r["rate_unit"],
        "Unit Rate": r["rate"], "rung median": round(r["median_rate"], 2),
        "range": [round(r["range_low"], 2), round(r["range_high"], 2)],
        "times median": round(r["times_median"], 2), "rung lines": plain(r["rung_lines"]),
    }


def _outlier_text(r: dict[str, Any]) -> str:
    side = "above" if r["rate"] > r["median_rate"] else "below"
    return (f"{_key(r)} (line {r['_line']}): {r['rung']} per {r['rate_unit']} {_money(r['rate'])}, "
            f"{_times(r['times_median'])} {side} the rung's median {_money(r['median_rate'])} "
            f"(range {_money(r['range_low'])}-{_money(r['range_high'])} from {r['rung_lines']} lines)")


def rate_outlier_checks(con: duckdb.DuckDBPyConnection, parts: list[Part], config: GateConfig,
                        files: dict[Part, str]) -> dict[Part, Checked]:
    err_f = config.rate_range_error_factor
    sql = OUTLIER_SQL.format(parts_cte=_parts_cte(parts), lines=LINES, rung_map=RUNG_MAP, keyed=_KEYED,
                             robust_sd=ROBUST_SD)
    rows = (fetch_dicts(con, sql, [config.rate_range_min_lines, config.rate_range_mads, max(config.rate_range_min_factor, 1.0)])
            if table_exists(con, raw_table(ELEMENT_RUNG_MAP)) else [])
    found: dict[Part, list[dict[str, Any]]] = {p: [] for p in parts}
    for r in rows:
        r["_value"] = f"{r['rung']} {_money(r['rate'])} per {r['rate_unit']}, rung median {_money(r['median_rate'])}"
        found[_part_of(r)].append(r)
    basis = (f"median +/- {config.rate_range_mads:g} robust SDs on the log scale, at least {config.rate_range_min_factor:g}x "
             f"either side, from the council's distinct lines of the rung and Rate Unit over its loaded months "
             f"(judged with {config.rate_range_min_lines} lines or more)")
    out: dict[Part, Checked] = {}
    for p in parts:
        if p not in files:
            continue
        extreme = [r for r in found[p] if r["times_median"] >= err_f]
        outside = [r for r in found[p] if r["times_median"] < err_f]
        results, rejects = [], []
        for name, default, sel, where in (
            (OUTLIER, "WARN", outside, f"outside its care-ladder rung's robust range ({basis})"),
            (OUTLIER_EXTREME, "ERROR", extreme,
             f"outside its rung's robust range and {err_f:g}x (or 1/{err_f:g}) of the rung's median or further ({basis})"),
        ):
            sev = config.severity_for(name, default)
            what = f"a new or re-priced line's Unit Rate is {where}"
            if sel:
                noun = "line" if len(sel) == 1 else "lines"
                msg = f"{files[p]}, column 'Unit Rate': {len(sel)} {noun} where {what}: {_listed(sel, _outlier_text, config)}"
            else:
                msg = f"{files[p]}: no new or re-priced line with a Unit Rate {where}"
            results.append(_result(
                name, default, p, not sel, msg, config, file=files[p], column="Unit Rate",
                examples=[_outlier_example(r) for r in sel[: config.max_examples]],
                observed={"failing_rows": len(sel), "mads": config.rate_range_mads,
                          "min_factor": config.rate_range_min_factor, "error_factor": err_f,
                          "min_lines": config.rate_range_min_lines},
            ))
            rejects += _rejects(sel, name, sev, "Unit Rate", what)
        out[p] = results, rejects
    return out


# --- completeness: lines open last month that this month's file does not list ---------------

COMPLETENESS_CTE = """
WITH {parts_cte},
steps AS (
    SELECT _p.c, _p.s,
           (SELECT max(t._month) FROM {lines} t WHERE t._council = _p.c AND t._month < _p.s) AS pm
    FROM _p
    WHERE EXISTS (SELECT 1 FROM {lines} t WHERE t._council = _p.c AND t._month = _p.s)
),
open_prev AS (
    SELECT steps.c AS _council, steps.s AS _month, steps.pm, t._file, t._line, t._load_id,
           trim(t."Service Agreement ID") AS sa, t."Line No" AS line_no, t."Element Code" AS element_code,
           t."Start Date" AS start_date, t."End Date" AS end_date, t."Weekly Cost" AS cost
    FROM steps JOIN {lines} t ON t._council = steps.c AND t._month = steps.pm
    WHERE (t."End Date" IS NULL OR t."End Date" >= steps.s) AND {keyed}
    QUALIFY row_number() OVER (
        PARTITION BY steps.c, steps.s, trim(t."Service Agreement ID"), t."Line No" ORDER BY t._line DESC) = 1
),
judged AS (
    SELECT o.*, NOT EXISTS (
        SELECT 1 FROM {lines} x
        WHERE x._council = o._council AND x._month = o._month
          AND trim(x."Service Agreement ID") = o.sa AND x."Line No" = o.line_no) AS vanished
    FROM open_prev o
)
"""


def _vanished_example(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "file": r["_file"], "line": plain(r["_line"]), "Service Agreement ID": r["sa"], "Line No": plain(r["line_no"]),
        "Element Code": r["element_code"], "Start Date": plain(r["start_date"]), "End Date": plain(r["end_date"]),
        "Weekly Cost": None if r["cost"] is None else float(r["cost"]), "treated as ended": month_end(r["pm"]).isoformat(),
    }


def _vanished_text(r: dict[str, Any]) -> str:
    end = "blank End Date" if r["end_date"] is None else f"End Date {r['end_date']:%d/%m/%Y}"
    return f"{_key(r)} (line {r['_line']}, {end}, Weekly Cost {_money(r['cost'])})"


def completeness_checks(con: duckdb.DuckDBPyConnection, parts: list[Part], config: GateConfig,
                        files: dict[Part, str]) -> dict[Part, Checked]:
    cte = COMPLETENESS_CTE.format(parts_cte=_parts_cte(parts), lines=LINES, keyed=_KEYED)
    counts = {
        Part(c, month_label(m)): (pm, int(n), int(v))
        for c, m, pm, n, v in con.execute(
            cte + "SELECT steps.c, steps.s, steps.pm, count(judged._line), count(*) FILTER (WHERE judged.vanished)"
                  " FROM steps LEFT JOIN judged ON judged._council = steps.c AND judged._month = steps.s"
                  " GROUP BY ALL").fetchall()
    }  # every part with lines this month (steps), with its previous month: parts without are not in `files`
    rows = fetch_dicts(con, cte + "SELECT * FROM judged WHERE vanished ORDER BY _council, _month, _line", [])
    found: dict[Part, list[dict[str, Any]]] = {p: [] for p in parts}
    for r in rows:
        r["_value"] = "open in " + r["_file"] + ", absent from " + FT.file_name(month_label(r["_month"]))
        found[_part_of(r)].append(r)
    out: dict[Part, Checked] = {}
    for p in parts:
        if p not in files:
            continue
        pm, candidates, gone = counts.get(p, (None, 0, 0))
        sel = found[p]
        m0 = parse_month(p.month)
        if pm is None:
            note = f"{files[p]}: no earlier service-lines file of the council loaded to compare"
            out[p] = ([
                _result(VANISHED, "WARN", p, True, note, config, file=files[p], column=None,
                        observed={"previous_month": None}),
                _result(VANISHED_SHARE, "ERROR", p, True, note, config, file=files[p], column=None,
                        observed={"previous_month": None}),
            ], [])
            continue
        prev_file = FT.file_name(month_label(pm))
        ended = month_end(pm)
        opened = f"open in {prev_file} (blank End Date, or ending on or after {m0:%d/%m/%Y})"
        treated = f"treated as ended on {ended:%d/%m/%Y}, the end of the last month it was listed"
        what = f"a line {opened} is not listed; {treated}"
        sev = config.severity_for(VANISHED, "WARN")
        if sel:
            noun, verb = ("line", "is") if len(sel) == 1 else ("lines", "are")
            msg = (f"{files[p]}: {len(sel)} {noun} {opened} {verb} not listed: {_listed(sel, _vanished_text, config)}; "
                   f"{treated}")
        else:
            msg = f"{files[p]}: every one of the {candidates} lines open in {prev_file} is listed"
        observed = {"previous_month": month_label(pm), "previous_open_lines": candidates, "vanished": gone,
                    "share": round(gone / candidates, 4) if candidates else 0.0,
                    "treated_as_ended": ended.isoformat()}
        results = [_result(VANISHED, "WARN", p, not sel, msg, config, file=prev_file if sel else files[p],
                           column="Service Agreement ID + Line No",
                           examples=[_vanished_example(r) for r in sel[: config.max_examples]],
                           observed={**observed, "failing_rows": len(sel)})]
        rejects = _rejects(sel, VANISHED, sev, "Service Agreement ID + Line No", what)
        share = gone / candidates if candidates else 0.0
        judged = candidates >= config.vanished_min_lines
        partial = judged and share >= config.vanished_share_error
        if partial:
            smsg = (f"{files[p]}: {gone} of the {candidates} lines open in {prev_file} ({share:.0%}) are not listed, "
                    f"{config.vanished_share_error:.0%} or more: the extract looks partial; reload the complete "
                    f"service-lines file")
        elif judged:
            smsg = (f"{files[p]}: {gone} of the {candidates} lines open in {prev_file} ({share:.1%}) are not listed, "
                    f"under {config.vanished_share_error:.0%}")
        else:
            smsg = (f"{files[p]}: {gone} of the {candidates} lines open in {prev_file} are not listed; the share is "
                    f"judged from {config.vanished_min_lines} open lines")
        results.append(_result(VANISHED_SHARE, "ERROR", p, not partial, smsg, config, file=files[p], column=None,
                               observed={**observed, "threshold": config.vanished_share_error,
                                         "min_lines": config.vanished_min_lines}))
        out[p] = results, rejects
    return out


def checks_for_parts(
    con: duckdb.DuckDBPyConnection, parts: list[Part], config: GateConfig
) -> dict[Part, tuple[list[CheckResult], list[RejectRow]]]:
    """Each council-month's results and the rows they name (for raw._rejects); nothing for a
    council-month without a service-lines file (``file_loaded`` reports that)."""
    parts = list(dict.fromkeys(parts))
    if not parts or not table_exists(con, TARGET):
        return {}
    found = files_by_part(con, TARGET, parts)
    files = {p: file_label(found[p], FT.file_name(p.month)) for p in parts if p in found}
    out: dict[Part, Checked] = {p: ([], []) for p in parts}
    for family in (value_change_checks, rate_outlier_checks, completeness_checks):
        for p, (r, rej) in family(con, parts, config, files).items():
            out[p][0].extend(r)
            out[p][1].extend(rej)
    return out


__all__ = ["checks_for_parts", "completeness_checks", "rate_outlier_checks", "value_change_checks"]
