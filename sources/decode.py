"""Decode SQL per contract kind: the typed value and the reasons a value cannot be decoded.

Every expression works on ``v``, the field already trimmed (spaces, tabs, CR/LF, no-break
spaces) with blank turned into NULL.  A blank is NULL in every kind; a blank in a `not_null`
column rejects the row.  The rules are strict on purpose: a value that does not fit its kind is
rejected, never guessed at.  Documented normalisations (see sources/README.md):

* money: an optional ``£`` (``£12.50``, ``-£12.50``, ``£-12.50``) and correctly grouped
  thousands commas (``1,234.50``) are removed; more than 2 decimals, scientific notation
  (``1.2E+05``, Excel's display of a long number: digits are lost), brackets, other currency
  signs or spaces reject the row.
* number / integer: correctly grouped thousands commas are removed; scientific notation is
  rejected for the same reason.
* date_iso / date_dmy: a trailing midnight time (``00:00`` / ``00:00:00``, what Excel appends
  when it re-saves a date) is dropped; any other time rejects the row.  date_dmy accepts 1- or
  2-digit day and month (``1/4/2025``: the order is fixed, so nothing is guessed).
* date_cqc: ``DD/MM/YYYY`` or ``MM/DD/YYYY`` (1-2 digit parts), optionally followed by a time
  (``14:05``, ``14:05:00``, ``2:05:00 PM``), or ISO ``YYYY-MM-DD[ hh:mm[:ss]]``; the time is
  dropped.  The day/month order is inferred per file, see `CqcOrder`.
* flag: ``Y`` (any case) or blank.

Identifier columns (``Column.identifier``: ids and codes that join files) are also judged on the
field as read, before trimming (`identifier_rules`): a control character (C0/C1, so tab, CR and
LF too, wherever they are), a non-breaking, zero-width or other Unicode space, or another
invisible format character (soft hyphen, BOM, direction marks) rejects the row
(``identifier_characters``).  Trimming would hide such a character at either end, and inside the
value it would make the identifier name someone or something else.  Plain spaces around the
value are trimmed as in every column.  The reason names the character's code point and where it
is (never the value).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import duckdb

from . import pseudonymise as ps
from .contracts import RAW_TYPES, Column

TRIM_CHARS_SQL = "' ' || chr(9) || chr(10) || chr(13) || chr(160)"


def trimmed_sql(src: str) -> str:
    return f"nullif(trim({src}, {TRIM_CHARS_SQL}), '')"


@dataclass(frozen=True)
class Rule:
    cond: str  # SQL, TRUE when the value cannot be decoded
    reason: str  # never contains the value
    check: str
    reason_expr: str | None = None  # SQL computing the reason instead (never the value either)


@dataclass(frozen=True)
class ColumnSQL:
    value: str
    rules: tuple[Rule, ...]
    reject_value: str  # what raw._rejects.value keeps (pseudonymised for personal columns)


# --- regular expressions (RE2) ----------------------------------------------------------------
RE_ISO = r"^\d{4}-\d{2}-\d{2}(?:[ T]00:00(?::00)?)?$"
RE_DMY = r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: 00:00(?::00)?)?$"
RE_CQC_SLASH = (
    r"^(\d{1,2})/(\d{1,2})/(\d{4})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?[AaPp][Mm])?)?$"
)
RE_CQC_ISO = r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
_GROUPED = r"(?:\d+|\d{1,3}(?:,\d{3})+)"
RE_MONEY = rf"^(?:-£|£-|-|£)?(?:{_GROUPED}(?:\.\d{{1,2}})?|\.\d{{1,2}})$"  # `.50` as numbers allow `.5`
RE_MONEY_DECIMALS = rf"^(?:-£|£-|-|£)?(?:{_GROUPED})?\.\d{{3,}}$"
RE_SCIENTIFIC = r"^[-+]?£?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+$"
RE_NUMBER = rf"^-?(?:{_GROUPED}(?:\.\d*)?|\.\d+)$"
RE_INTEGER = rf"^-?{_GROUPED}(?:\.0+)?$"  # `12.0`: a whole number written by a float column (pandas)

SCIENTIFIC_REASON = (
    "scientific notation (Excel shows long numbers as e.g. 1.2E+05 and drops digits): "
    "re-export the value in full"
)


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _match(v: str, pattern: str) -> str:
    return f"regexp_full_match({v}, {_lit(pattern)})"


def _group_int(v: str, pattern: str, group: int) -> str:
    return f"try_cast(nullif(regexp_extract({v}, {_lit(pattern)}, {group}), '') AS INTEGER)"


def _date_from_parts(y: str, m: str, d: str) -> str:
    return f"try_cast(printf('%04d-%02d-%02d', {y}, {m}, {d}) AS DATE)"


# --- CQC day/month order ------------------------------------------------------------------------
Order = Literal["DMY", "MDY"]


@dataclass(frozen=True)
class CqcOrder:
    """Day/month order of a file's slash dates, inferred from its unambiguous values.

    A value is evidence for DD/MM when its first part is > 12 (and the second <= 12), for MM/DD
    when its second part is > 12.  Values whose two parts are equal are the same date either way.
    * evidence for one order only: that is the file's order; values that are only valid in the
      other order are rejected as contradicting it;
    * no evidence: every value with different parts <= 12 is ambiguous and rejected;
    * evidence for both (the file mixes orders): the majority is the file's order for the
      minority's "contradicts" message, and every ambiguous value is rejected as well (a tie
      rejects every value whose parts differ).  Nothing is ever guessed.
    """

    dmy_evidence: int = 0
    mdy_evidence: int = 0

    @property
    def mixed(self) -> bool:
        return self.dmy_evidence > 0 and self.mdy_evidence > 0

    @property
    def order(self) -> Order | None:
        if self.dmy_evidence > self.mdy_evidence:
            return "DMY"
        if self.mdy_evidence > self.dmy_evidence:
            return "MDY"
        return None

    @property
    def label(self) -> str:
        return {"DMY": "DD/MM/YYYY", "MDY": "MM/DD/YYYY", None: "undetermined"}[self.order]


def cqc_evidence_sql(v: str) -> tuple[str, str]:
    """Two SQL aggregates counting DD/MM and MM/DD evidence among values `v`."""
    p1 = _group_int(v, RE_CQC_SLASH, 1)
    p2 = _group_int(v, RE_CQC_SLASH, 2)
    return (
        f"count(*) FILTER (WHERE {p1} > 12 AND {p1} <= 31 AND {p2} <= 12)",
        f"count(*) FILTER (WHERE {p2} > 12 AND {p2} <= 31 AND {p1} <= 12)",
    )


def _date_cqc(v: str, cqc: CqcOrder) -> tuple[str, list[Rule]]:
    p1 = _group_int(v, RE_CQC_SLASH, 1)
    p2 = _group_int(v, RE_CQC_SLASH, 2)
    y = _group_int(v, RE_CQC_SLASH, 3)
    slash = _match(v, RE_CQC_SLASH)
    iso = _match(v, RE_CQC_ISO)
    check = "decode_date_cqc"
    if cqc.order == "DMY":
        slash_value = _date_from_parts(y, p2, p1)
    elif cqc.order == "MDY":
        slash_value = _date_from_parts(y, p1, p2)
    else:
        slash_value = f"CASE WHEN {p1} = {p2} THEN {_date_from_parts(y, p1, p1)} END"
    value = (
        f"CASE WHEN {iso} THEN try_cast(substr({v}, 1, 10) AS DATE)"
        f" WHEN {slash} THEN {slash_value} END"
    )
    rules = [
        Rule(f"NOT ({iso} OR {slash})", "not a DD/MM/YYYY, MM/DD/YYYY or YYYY-MM-DD date", check),
        Rule(
            f"{slash} AND {p1} > 12 AND {p2} > 12",
            "not a valid date (both day/month parts exceed 12)",
            check,
        ),
    ]
    ambiguous = f"{slash} AND {p1} <> {p2} AND {p1} <= 12 AND {p2} <= 12"
    if cqc.order is None:
        reason = (
            "ambiguous day/month order: the file mixes DD/MM and MM/DD dates equally"
            if cqc.mixed
            else "ambiguous day/month order: no value in the file fixes DD/MM vs MM/DD"
        )
        rules.append(Rule(f"{slash} AND {p1} <> {p2}", reason, check))
    else:
        other = p2 if cqc.order == "DMY" else p1
        other_order = (
            _date_from_parts(y, p2, p1) if cqc.order == "MDY" else _date_from_parts(y, p1, p2)
        )
        rules.append(
            Rule(
                f"{slash} AND {other} > 12 AND ({other_order}) IS NOT NULL",
                f"contradicts the file's {cqc.label} date order",
                check,
            )
        )
        if cqc.mixed:
            rules.append(
                Rule(
                    ambiguous,
                    "ambiguous day/month order: the file mixes DD/MM and MM/DD dates",
                    check,
                )
            )
    rules.append(Rule(f"{v} IS NOT NULL AND ({value}) IS NULL", "not a valid calendar date", check))
    return value, rules


# --- identifiers: characters that trimming would hide or that change the identity ---------------
IDENTIFIER_CHECK = "identifier_characters"
# C0 and C1 control characters (tab, CR, LF included)
RE_CONTROL = r"[\x{0000}-\x{001F}\x{007F}-\x{009F}]"
# spaces other than the plain space (no-break, figure, narrow no-break, en/em..., line and paragraph
# separators, ideographic) and invisible format characters (\p{Cf}: zero-width space/joiners, word
# joiner, BOM, soft hyphen, direction marks)
RE_INVISIBLE = r"[\x{00A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\p{Cf}]"


def _junk_reason(raw: str, pattern: str, what: str) -> str:
    """SQL for the reason: the first offending character's code point and where it is."""
    hidden = " the identifier (trimming would hide it, and the extract is damaged)"
    where = (
        f"CASE WHEN regexp_matches({raw}, {_lit('^ *' + pattern)}) THEN {_lit('at the start of' + hidden)}"
        f" WHEN regexp_matches({raw}, {_lit(pattern + ' *$')}) THEN {_lit('at the end of' + hidden)}"
        " ELSE 'inside the identifier (it would name someone or something else)' END"
    )
    code = f"printf('U+%04X', unicode(regexp_extract({raw}, {_lit(pattern)})))"
    return f"{_lit(what + ' ')} || {code} || ' ' || {where} || '; re-export the value without it'"


def identifier_rules(raw: str) -> list[Rule]:
    """Rules on the untrimmed field `raw` of an identifier column (see the module docstring)."""
    return [
        Rule(
            f"regexp_matches({raw}, {_lit(RE_CONTROL)})",
            "control character (tab, CR, LF or another C0/C1 code) in the identifier",
            IDENTIFIER_CHECK,
            _junk_reason(raw, RE_CONTROL, "control character"),
        ),
        Rule(
            f"regexp_matches({raw}, {_lit(RE_INVISIBLE)})",
            "non-breaking, zero-width or other invisible space or format character in the identifier",
            IDENTIFIER_CHECK,
            _junk_reason(raw, RE_INVISIBLE, "non-breaking, zero-width or invisible character"),
        ),
    ]


# --- per kind -----------------------------------------------------------------------------------
def _kind_sql(col: Column, v: str, cqc: CqcOrder | None) -> tuple[str, list[Rule]]:
    kind = col.kind
    check = f"decode_{kind}"
    if kind in ("text", "code"):
        return v, []
    if kind == "date_iso":
        value = f"try_cast(substr({v}, 1, 10) AS DATE)"
        return value, [
            Rule(f"NOT {_match(v, RE_ISO)}", "not a YYYY-MM-DD date", check),
            Rule(f"{v} IS NOT NULL AND ({value}) IS NULL", "not a valid calendar date", check),
        ]
    if kind == "date_dmy":
        value = _date_from_parts(
            _group_int(v, RE_DMY, 3), _group_int(v, RE_DMY, 2), _group_int(v, RE_DMY, 1)
        )
        return value, [
            Rule(f"NOT {_match(v, RE_DMY)}", "not a DD/MM/YYYY date", check),
            Rule(f"{v} IS NOT NULL AND ({value}) IS NULL", "not a valid calendar date", check),
        ]
    if kind == "date_cqc":
        return _date_cqc(v, cqc or CqcOrder())
    if kind == "money":
        value = f"try_cast(replace(replace({v}, '£', ''), ',', '') AS {RAW_TYPES['money']})"
        return value, [
            Rule(_match(v, RE_SCIENTIFIC), SCIENTIFIC_REASON, check),
            Rule(_match(v, RE_MONEY_DECIMALS), "more than 2 decimal places", check),
            Rule(
                f"NOT {_match(v, RE_MONEY)}",
                "not an amount in pounds (digits, optional £ and thousands commas, up to 2"
                " decimals)",
                check,
            ),
            Rule(f"{v} IS NOT NULL AND ({value}) IS NULL", "amount out of range", check),
        ]
    if kind == "number":
        value = f"try_cast(replace({v}, ',', '') AS {RAW_TYPES['number']})"
        return value, [
            Rule(_match(v, RE_SCIENTIFIC), SCIENTIFIC_REASON, check),
            Rule(f"NOT {_match(v, RE_NUMBER)}", "not a decimal number", check),
            Rule(f"{v} IS NOT NULL AND ({value}) IS NULL", "number out of range", check),
        ]
    if kind == "integer":
        value = f"try_cast(replace({v}, ',', '') AS {RAW_TYPES['integer']})"
        return value, [
            Rule(_match(v, RE_SCIENTIFIC), SCIENTIFIC_REASON, check),
            Rule(f"NOT {_match(v, RE_INTEGER)}", "not a whole number", check),
            Rule(f"{v} IS NOT NULL AND ({value}) IS NULL", "whole number out of range", check),
        ]
    if kind == "flag":
        return f"CASE WHEN upper({v}) = 'Y' THEN 'Y' END", [
            Rule(f"upper({v}) <> 'Y'", "flag must be Y or blank", check),
        ]
    raise ValueError(f"unknown kind {kind!r}")


def column_sql(
    col: Column, v: str, cqc: CqcOrder | None = None, raw: str | None = None
) -> ColumnSQL:
    """Decoded value, rejection rules and reject value of contract column `col` from `v` (the
    trimmed field); `raw`, the field as read, is judged by `identifier_rules` when `col` is an
    identifier."""
    if col.personal:
        norm = ps.normalise_sql(col, v)
        hashed = ps.hmac_sql(norm)
        if ps.is_reduced(col):
            value = ps.outward_code_sql(norm)
            rules = [
                Rule(
                    f"{v} IS NOT NULL AND ({value}) IS NULL",
                    "not a UK postcode (cannot reduce it to an outward code)",
                    "postcode_outward",
                )
            ]
        else:
            value, rules = hashed, []
        if col.kind != "text":
            raise ValueError(f"personal column {col.name!r} must be of kind text")
        reject_value = hashed
    else:
        value, rules = _kind_sql(col, v, cqc)
        reject_value = v
    if col.not_null:
        rules = [Rule(f"{v} IS NULL", "required value is blank", "not_null"), *rules]
    if col.identifier and raw is not None:
        rules = [*identifier_rules(raw), *rules]
    return ColumnSQL(value=value, rules=tuple(rules), reject_value=reject_value)


def reason_sql(rules: tuple[Rule, ...]) -> tuple[str, str]:
    """(reason CASE, check-name CASE): the first rule that applies, else NULL."""
    if not rules:
        return "NULL::VARCHAR", "NULL::VARCHAR"
    reason = " ".join(f"WHEN {r.cond} THEN {r.reason_expr or _lit(r.reason)}" for r in rules)
    check = " ".join(f"WHEN {r.cond} THEN {_lit(r.check)}" for r in rules)
    return f"CASE {reason} END", f"CASE {check} END"


def decode_value(
    con: duckdb.DuckDBPyConnection,
    col: Column,
    raw: str | None,
    cqc: CqcOrder | None = None,
    key: bytes | None = None,
) -> tuple[object, str | None]:
    """Decode one value the way the loader does: (typed value or None, reason or None)."""
    v = trimmed_sql("CAST($raw AS VARCHAR)")
    sql = column_sql(col, v, cqc, raw="CAST($raw AS VARCHAR)")
    reason, _ = reason_sql(sql.rules)
    params: dict[str, object] = {"raw": raw}
    query = f"SELECT {sql.value}, {reason}"
    if "$hmac_" in query:
        params |= ps.HmacPads.from_key(key or ps.pseudo_key()).params()
    row = con.execute(query, params).fetchone()
    assert row is not None
    return row[0], row[1]
