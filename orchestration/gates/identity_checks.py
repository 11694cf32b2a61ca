"""Identity checks of a council-month's extracts, run with the source checks (before dbt) as SQL
inside DuckDB on the raw tables, for every council-month of a run in one query each.

A mistyped identifier does not make a row fail any value check: the row joins nothing, or joins
someone else, and the published figures are silently wrong. These checks follow each identifier
to the file it names, within the council (``_council``), using the version staging uses (the
month's file holds each line and event open in the month; within a file the last physical line
wins; a CLD event's version is its latest up to the month):

* ``controcc_service_lines.person_in_cld:LA Person Unique Identifier`` (ERROR): a line of the
  month's file funding a CLD event (Event Reference given) whose person (a keyed hash, as the
  CLD's) is no person in the council's CLD rows of any month loaded. Lines without an Event
  Reference are "non-CLD lines" (SOURCES.md) and may fund someone the CLD does not hold: counted
  in ``observed`` only, unless ``GateConfig.non_cld_line_person_in_cld``. Skipped while the
  month's CLD file has no rows (``las_cld.file_loaded`` says why).
* ``controcc_service_lines.person_matches_cld_event:LA Person Unique Identifier`` (ERROR): a line
  whose Event Reference is a CLD event of the council with ANOTHER person (the event's latest
  version up to the month): a person id mistyped into an existing one.
* ``las_cld.provider_cqc_location_in_hsca:Provider CQC Location ID`` (WARN: the CLD's location
  feeds no published figure, the ContrOCC line's does and its check in reconciliation.py is an
  ERROR): a Service event active in the month naming a location that is not in the month's CQC
  HSCA file. Skipped while that file has no rows.
* ``las_cld.nhs_number_check_digit:NHS Number`` (WARN; ERROR with
  ``GateConfig.nhs_number_check_blocks``): rows of the month's CLD file whose NHS Number failed the
  modulus 11 check, judged by the reader on the clear value before hashing (``raw.las_cld.
  _nhs_number_valid``; sources/pseudonymise.py). Rows loaded before the column existed are
  counted as not checked.

A payment's service line (Service Agreement ID + Line No) is checked by
``controcc_payments.pays_known_service_line`` in reconciliation.py (ERROR above
``GateConfig.unknown_line_payment_block_pounds``). Identifiers holding control or invisible
characters are rejected when read (sources/decode.py ``identifier_rules``): the row never gets
here, and ``<file type>.rows_rejected`` blocks the month.

Every severity can be overridden through ``GateConfig.severities`` (``ASCW_GATE_SEVERITIES``).
Failing rows are named by file, line and identifiers (person ids and NHS numbers only as the keyed
hashes raw holds, never a clear value) in the result's examples and in ``raw._rejects``.
"""
from __future__ import annotations

from typing import Any

import duckdb

from orchestration.gates.config import GateConfig
from orchestration.gates.gx_runner import plain
from orchestration.gates.quarantine import RejectRow
from orchestration.gates.results import CheckResult, failure_message
from orchestration.gates.sqlutil import (
    fetch_dicts,
    file_label,
    files_by_part,
    parts_values,
    q,
    qualified,
    raw_column_types,
    raw_table,
    table_exists,
)
from orchestration.months import month_label
from orchestration.partitions_key import Part
from sources.contracts import CONTROCC_SERVICE_LINES, CQC_HSCA_ACTIVE_LOCATIONS, LAS_CLD, FileType

Checked = tuple[list[CheckResult], list[RejectRow]]

PERSON = "LA Person Unique Identifier"
NHS = "NHS Number"
NHS_VALID = "_nhs_number_valid"
LOCATION = "Provider CQC Location ID"

PERSON_IN_CLD = f"{CONTROCC_SERVICE_LINES.key}.person_in_cld:{PERSON}"
PERSON_MATCHES_EVENT = f"{CONTROCC_SERVICE_LINES.key}.person_matches_cld_event:{PERSON}"
CLD_LOCATION_IN_HSCA = f"{LAS_CLD.key}.provider_cqc_location_in_hsca:{LOCATION}"
NHS_CHECK_DIGIT = f"{LAS_CLD.key}.nhs_number_check_digit:{NHS}"
CHECK_NAMES = (PERSON_IN_CLD, PERSON_MATCHES_EVENT, CLD_LOCATION_IN_HSCA, NHS_CHECK_DIGIT)

LINES = raw_table(CONTROCC_SERVICE_LINES)
CLD = raw_table(LAS_CLD)
HSCA = raw_table(CQC_HSCA_ACTIVE_LOCATIONS)


def checks_for_parts(
    con: duckdb.DuckDBPyConnection, parts: list[Part], config: GateConfig
) -> dict[Part, tuple[list[CheckResult], list[RejectRow]]]:
    """Each council-month's results and the rows they name (for raw._rejects)."""
    parts = list(dict.fromkeys(parts))
    out: dict[Part, Checked] = {p: ([], []) for p in parts}
    if not parts:
        return out
    for check in (_service_line_persons, _cld_locations, _nhs_numbers):
        for p, (results, rejects) in check(con, parts, config).items():
            out[p][0].extend(results)
            out[p][1].extend(rejects)
    return out


# --- helpers ---------------------------------------------------------------------------------
def _parts_cte(parts: list[Part]) -> str:
    return f"_p(c, s, e) AS (VALUES {parts_values(parts)})"


def _by_part(rows: list[dict[str, Any]], parts: list[Part]) -> dict[Part, list[dict[str, Any]]]:
    out: dict[Part, list[dict[str, Any]]] = {p: [] for p in parts}
    for r in rows:
        p = Part(r.pop("_gate_council"), month_label(r.pop("_gate_month")))
        if p in out:
            out[p].append(r)
    return out


def _counts(con: duckdb.DuckDBPyConnection, table: str, parts: list[Part], where: str = "TRUE") -> dict[Part, int]:
    """Rows of ``table`` per council-month (``where`` on the table's alias ``t``)."""
    if not table_exists(con, table):
        return {p: 0 for p in parts}
    found = {
        Part(c, month_label(m)): int(n)
        for c, m, n in con.execute(
            f"""WITH {_parts_cte(parts)}
                SELECT t._council, t._month, count(*) FROM {qualified(table)} t
                JOIN _p ON t._council = _p.c AND t._month = _p.s WHERE {where} GROUP BY 1, 2"""
        ).fetchall()
    }
    return {p: found.get(p, 0) for p in parts}


def _files(con: duckdb.DuckDBPyConnection, ft: FileType, parts: list[Part]) -> dict[Part, str]:
    table = raw_table(ft)
    found = files_by_part(con, table, parts) if table_exists(con, table) else {}
    return {p: file_label(found.get(p, []), ft.file_name(p.month)) for p in parts}


def _result(
    ft: FileType, part: Part, name: str, default_severity: str, column: str, what: str,
    rows: list[dict[str, Any]], files: str, ok_text: str, config: GateConfig,
    observed: dict[str, Any], value_of: str | None,
) -> Checked:
    """A result naming the failing rows (first line in the message, the first ``max_examples`` as
    examples) and one gate reject per failing row, valued with its ``value_of`` column (an id or a
    keyed hash: raw never holds a clear personal value)."""
    sev = config.severity_for(name, default_severity)
    if rows:
        first = rows[0]
        message = failure_message(first["file"], column, len(rows), what, plain(first["line"]))
    else:
        message = f"{files}, column '{column}': {ok_text}"
    examples = [{k: plain(v) for k, v in r.items() if k != "_load_id"} for r in rows[: config.max_examples]]
    result = CheckResult(
        name=name,
        target=raw_table(ft),
        severity=sev,  # type: ignore[arg-type]
        passed=not rows,
        message=message,
        month=part.month,
        council=part.council,
        file=rows[0]["file"] if rows else files,
        column=column,
        examples=examples,
        observed={**observed, "failing_rows": len(rows)},
    )
    rejects = [
        RejectRow(
            file_type=ft.key,
            file=r["file"],
            line=plain(r["line"]),
            column=column,
            value=None if value_of is None or r.get(value_of) is None else str(plain(r[value_of])),
            check_name=name,
            severity=sev,
            description=what,
            load_id=r.get("_load_id"),
        )
        for r in rows
    ]
    return [result], rejects


def _skipped(ft: FileType, part: Part, name: str, default_severity: str, column: str, files: str, why: str,
             config: GateConfig) -> Checked:
    return [CheckResult(
        name=name, target=raw_table(ft), severity=config.severity_for(name, default_severity),  # type: ignore[arg-type]
        passed=True, skipped=True, message=f"{files}, column '{column}': skipped: {why}",
        month=part.month, council=part.council, file=files, column=column,
    )], []


# --- service lines -> CLD persons -------------------------------------------------------------
def _service_line_persons(con: duckdb.DuckDBPyConnection, parts: list[Part], config: GateConfig) -> dict[Part, Checked]:
    ft = CONTROCC_SERVICE_LINES
    files = _files(con, ft, parts)
    out: dict[Part, Checked] = {p: ([], []) for p in parts}
    if not (table_exists(con, LINES) and table_exists(con, CLD)):
        for p in parts:
            for name in (PERSON_IN_CLD, PERSON_MATCHES_EVENT):
                _add(out[p], _skipped(ft, p, name, "ERROR", PERSON, files[p],
                                      f"table {LINES if not table_exists(con, LINES) else CLD} not found", config))
        return out
    cld_rows = _counts(con, CLD, parts)
    line_rows = _counts(con, LINES, parts)
    found = _by_part(fetch_dicts(con, f"""
        WITH {_parts_cte(parts)},
        lines AS (  -- the month's file: each line's version in it (the last physical line)
            SELECT l._council, l._month, l._file, l._line, l._load_id, l."Service Agreement ID", l."Line No",
                   nullif(trim(l."Event Reference"), '') AS event_ref, l.{q(PERSON)} AS person
            FROM {qualified(LINES)} l JOIN _p ON l._council = _p.c AND l._month = _p.s
            QUALIFY row_number() OVER (
                PARTITION BY l._council, l._month, trim(l."Service Agreement ID"), l."Line No"
                ORDER BY l._line DESC) = 1
        ),
        people AS (  -- every person of the council's CLD rows, any month loaded
            SELECT DISTINCT _council, {q(PERSON)} AS person FROM {qualified(CLD)}
            WHERE _council IN (SELECT c FROM _p) AND {q(PERSON)} IS NOT NULL
        ),
        events AS (  -- the CLD event each line names: its latest version up to the line's month
            SELECT l._council, l._month, l._line, e.{q(PERSON)} AS event_person, e._file AS cld_file,
                   e._line AS cld_line
            FROM lines l JOIN {qualified(CLD)} e
              ON e._council = l._council AND trim(e."Event Reference") = l.event_ref AND e._month <= l._month
            QUALIFY row_number() OVER (
                PARTITION BY l._council, l._month, l._line ORDER BY e._month DESC, e._line DESC) = 1
        )
        SELECT l._council AS _gate_council, l._month AS _gate_month, l._file AS file, l._line AS line, l._load_id,
               l."Service Agreement ID", l."Line No", l.event_ref AS "Event Reference", l.person AS {q(PERSON)},
               p.person IS NOT NULL AS person_in_cld,
               ev.cld_line IS NOT NULL AND ev.event_person IS DISTINCT FROM l.person AS other_person,
               ev.event_person AS "CLD event's person", ev.cld_file AS "CLD file", ev.cld_line AS "CLD line"
        FROM lines l
        LEFT JOIN people p ON p._council = l._council AND p.person = l.person
        LEFT JOIN events ev ON ev._council = l._council AND ev._month = l._month AND ev._line = l._line
        WHERE p.person IS NULL OR (ev.cld_line IS NOT NULL AND ev.event_person IS DISTINCT FROM l.person)
        ORDER BY l._council, l._month, l._file, l._line
        """), parts)
    line_keys = ("file", "line", "_load_id", "Service Agreement ID", "Line No", "Event Reference", PERSON)
    for p in parts:
        rows = found[p]
        unknown = [r for r in rows if not r["person_in_cld"]]
        non_cld = [r for r in unknown if r["Event Reference"] is None]
        checked = unknown if config.non_cld_line_person_in_cld else [r for r in unknown if r["Event Reference"]]
        if not cld_rows[p]:
            _add(out[p], _skipped(ft, p, PERSON_IN_CLD, "ERROR", PERSON, files[p],
                                  f"no CLD rows loaded for {p.month} (las_cld.file_loaded says why)", config))
        else:
            scope = "every line" if config.non_cld_line_person_in_cld else \
                "every line funding a CLD event (Event Reference given)"
            aside = (
                "" if config.non_cld_line_person_in_cld or not non_cld else
                f"; {len(non_cld)} line(s) without an Event Reference fund a person not in the CLD (non-CLD lines,"
                " not checked: GateConfig.non_cld_line_person_in_cld)"
            )
            _add(out[p], _result(
                ft, p, PERSON_IN_CLD, "ERROR", PERSON,
                "the line's person (pseudonymised) is no person in the council's CLD rows of any month loaded: "
                "a mistyped or foreign person id" + aside,
                [{k: r[k] for k in line_keys} for r in checked], files[p],
                f"{scope} has a person of the council's CLD rows ({line_rows[p]} lines){aside}",
                config,
                {"lines": line_rows[p], "non_cld_lines_person_not_in_cld": len(non_cld),
                 "non_cld_lines_checked": config.non_cld_line_person_in_cld},
                PERSON,
            ))
        other = [r for r in rows if r["other_person"]]
        _add(out[p], _result(
            ft, p, PERSON_MATCHES_EVENT, "ERROR", PERSON,
            "the line's person (pseudonymised) is not the person of the CLD event its Event Reference names "
            "(the event's latest version up to the month): the line would be counted for someone else",
            [{k: r[k] for k in (*line_keys, "CLD event's person", "CLD file", "CLD line")} for r in other],
            files[p], f"every line naming a CLD event has that event's person ({line_rows[p]} lines)", config,
            {"lines": line_rows[p]}, PERSON,
        ))
    return out


def _add(into: Checked, more: Checked) -> None:
    into[0].extend(more[0])
    into[1].extend(more[1])


# --- CLD Service events -> the month's CQC HSCA file ------------------------------------------
def _cld_locations(con: duckdb.DuckDBPyConnection, parts: list[Part], config: GateConfig) -> dict[Part, Checked]:
    ft = LAS_CLD
    files = _files(con, ft, parts)
    out: dict[Part, Checked] = {p: ([], []) for p in parts}
    if not (table_exists(con, CLD) and table_exists(con, HSCA)):
        for p in parts:
            _add(out[p], _skipped(ft, p, CLD_LOCATION_IN_HSCA, "WARN", LOCATION, files[p],
                                  f"table {CLD if not table_exists(con, CLD) else HSCA} not found", config))
        return out
    hsca_rows = _counts(con, HSCA, parts)
    hsca_files = _files(con, CQC_HSCA_ACTIVE_LOCATIONS, parts)
    found = _by_part(fetch_dicts(con, f"""
        WITH {_parts_cte(parts)},
        ev AS (  -- the month's file: each event's version in it (the last physical line)
            SELECT e.*, _p.s AS _ms, _p.e AS _me FROM {qualified(CLD)} e JOIN _p ON e._council = _p.c AND e._month = _p.s
            QUALIFY row_number() OVER (PARTITION BY e._council, e._month, trim(e."Event Reference") ORDER BY e._line DESC) = 1
        )
        SELECT _council AS _gate_council, _month AS _gate_month, _file AS file, _line AS line, _load_id,
               "Event Reference", {q(PERSON)}, "Service Type", {q(LOCATION)}
        FROM ev
        WHERE lower(trim("Event Type")) = 'service' AND nullif(trim({q(LOCATION)}), '') IS NOT NULL
          AND "Event Start Date" <= _me AND ("Event End Date" IS NULL OR "Event End Date" >= _ms)
          AND NOT EXISTS (
              SELECT 1 FROM {qualified(HSCA)} c
              WHERE c._council = ev._council AND c._month = ev._month
                AND upper(trim(c."Location ID")) = upper(trim(ev.{q(LOCATION)})))
        ORDER BY _council, _month, _file, _line
        """), parts)
    for p in parts:
        if not hsca_rows[p]:
            _add(out[p], _skipped(ft, p, CLD_LOCATION_IN_HSCA, "WARN", LOCATION, files[p],
                                  f"no CQC HSCA rows loaded for {p.month} "
                                  "(cqc_hsca_active_locations.file_loaded says why)", config))
            continue
        _add(out[p], _result(
            ft, p, CLD_LOCATION_IN_HSCA, "WARN", LOCATION,
            f"a Service event active in the month names a Provider CQC Location ID that is not in {hsca_files[p]}",
            found[p], files[p],
            f"every Provider CQC Location ID of a Service event active in the month is in {hsca_files[p]}",
            config, {"locations_missing": len({str(r[LOCATION]).strip().upper() for r in found[p]})}, LOCATION,
        ))
    return out


# --- NHS Number check digit -------------------------------------------------------------------
def _nhs_numbers(con: duckdb.DuckDBPyConnection, parts: list[Part], config: GateConfig) -> dict[Part, Checked]:
    ft = LAS_CLD
    files = _files(con, ft, parts)
    default = "ERROR" if config.nhs_number_check_blocks else "WARN"
    out: dict[Part, Checked] = {p: ([], []) for p in parts}
    columns = {c for c, _ in raw_column_types(con, ft.raw_table)} if table_exists(con, CLD) else set()
    if NHS_VALID not in columns:
        for p in parts:
            _add(out[p], _skipped(ft, p, NHS_CHECK_DIGIT, default, NHS, files[p],
                                  f"{CLD} has no {NHS_VALID} column (load the month again)", config))
        return out
    given = _counts(con, CLD, parts, f"t.{q(NHS)} IS NOT NULL")
    unchecked = _counts(con, CLD, parts, f"t.{q(NHS)} IS NOT NULL AND t.{q(NHS_VALID)} IS NULL")
    found = _by_part(fetch_dicts(con, f"""
        WITH {_parts_cte(parts)}
        SELECT e._council AS _gate_council, e._month AS _gate_month, e._file AS file, e._line AS line, e._load_id,
               e."Event Reference", e.{q(PERSON)}, e.{q(NHS)}
        FROM {qualified(CLD)} e JOIN _p ON e._council = _p.c AND e._month = _p.s
        WHERE e.{q(NHS_VALID)} = FALSE
        ORDER BY e._council, e._month, e._file, e._line
        """), parts)
    for p in parts:
        rows = found[p]
        people = len({r[PERSON] for r in rows})
        note = (f"; {unchecked[p]} row(s) loaded before the check existed not checked (load the month again)"
                if unchecked[p] else "")
        _add(out[p], _result(
            ft, p, NHS_CHECK_DIGIT, default, NHS,
            f"NHS Number fails its modulus 11 check digit ({people} person(s)): a mistyped number, whose hash "
            "joins no other record of the person" + note,
            rows, files[p],
            f"every NHS Number given passes its modulus 11 check digit ({given[p] - unchecked[p]} rows checked){note}",
            config, {"rows_with_nhs_number": given[p], "rows_not_checked": unchecked[p], "people": people}, NHS,
        ))
    return out
