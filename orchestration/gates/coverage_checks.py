"""Coverage checks of a council-month's CQC and ONS files, as SQL inside DuckDB (run with the
source checks: ``source_checks._check_parts``; issue 27).

A real CQC or ONS file for another area loads cleanly (every row is well formed) and the month
would publish blank CQC and demography figures with no reason given. Each check BLOCKS (ERROR)
when a loaded file has no row for the council, naming the areas the file does cover and the
remedy:

* CQC (``cqc_hsca_active_locations.coverage:Location Local Authority``,
  ``cqc_latest_ratings.coverage:Location Local Authority``, the month's files): some
  ``Location Local Authority`` must be the council's. CQC names authorities (``Bristol``) where
  ONS codes them (``E06000023``, named ``Bristol, City of``): names are matched as
  ``int_la_lookup`` matches them, by the key of macro ``la_name_key`` (lower case, a trailing
  ``, City of`` / ``, County of`` dropped, ``&`` = ``and``, punctuation ignored), the council's
  names being its ONS names in any ONS raw table, the rows of seed ``la_name_exceptions`` with
  its code, and the project's table of English authorities (``sources/generator/geography.py``).
  With no name known for the council the check is skipped (it never blocks).
* ONS (``census_ts007a.coverage:geography code``, ``census_ts038.coverage:geography code``,
  ``mye_population.coverage:GEOGRAPHY_CODE``, ``snpp_population.coverage:AREA_CODE``: reference
  files, the council's ``_council`` rows, the same result in each of its months): the council's
  own ONS code must be among the file's area codes (comparators such as England do not count).

A file the council has not loaded gets no coverage result (``file_loaded`` reports a missing
monthly file; an absent reference file leaves its marts empty as before).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import duckdb

from orchestration.gates.config import GateConfig
from orchestration.gates.quarantine import RejectRow
from orchestration.gates.results import CheckResult
from orchestration.gates.sqlutil import parts_values, q, qualified, raw_table, sql_literal, table_exists
from orchestration.months import month_label
from orchestration.partitions_key import Part
from orchestration.settings import DBT_PROJECT_DIR
from sources.contracts import (
    CENSUS_TS007A,
    CENSUS_TS038,
    CQC_HSCA_ACTIVE_LOCATIONS,
    CQC_LATEST_RATINGS,
    MYE_POPULATION,
    SNPP_POPULATION,
    FileType,
)

LA_COLUMN = "Location Local Authority"
CQC_FILE_TYPES: tuple[FileType, ...] = (CQC_HSCA_ACTIVE_LOCATIONS, CQC_LATEST_RATINGS)


@dataclass(frozen=True)
class OnsFile:
    ft: FileType
    code: str  # the area-code column
    name: str  # the area-name column


# in the order int_la_lookup prefers their names (Census first)
ONS_FILES: tuple[OnsFile, ...] = (
    OnsFile(CENSUS_TS007A, "geography code", "geography"),
    OnsFile(CENSUS_TS038, "geography code", "geography"),
    OnsFile(MYE_POPULATION, "GEOGRAPHY_CODE", "GEOGRAPHY_NAME"),
    OnsFile(SNPP_POPULATION, "AREA_CODE", "AREA_NAME"),
)
EXCEPTIONS_SEED = DBT_PROJECT_DIR / "seeds" / "market" / "la_name_exceptions.csv"
SHOWN_AREAS = 5  # areas a failing file is said to cover, the most rows first


def la_name_key(expr: str) -> str:
    """SQL of dbt macro ``la_name_key`` (dbt_project/macros/market/la_name_key.sql), verbatim."""
    return (
        "nullif(trim(regexp_replace(regexp_replace(regexp_replace("
        f"replace(lower(trim({expr})), '&', ' and '), "
        "',\\s*(city|county) of\\s*$', ''), "
        "'[^a-z0-9]+', ' ', 'g'), "
        "'\\s+', ' ', 'g')), '')"
    )


# upper-tier authorities first when naming the areas a file covers (a county before its districts)
_AREA_TIER = (
    "CASE WHEN left(code, 3) IN ('E06', 'E08', 'E09', 'E10', 'W06') THEN 0 "
    "WHEN left(code, 3) IN ('E07', 'W07') THEN 1 ELSE 2 END"
)


@lru_cache(maxsize=1)
def _exception_rows() -> tuple[tuple[str, str, str], ...]:
    """(cqc_la_name, la_code, ons_la_name) of seed la_name_exceptions."""
    if not EXCEPTIONS_SEED.is_file():
        return ()
    with EXCEPTIONS_SEED.open(encoding="utf-8", newline="") as fh:
        return tuple(
            ((r.get("cqc_la_name") or "").strip(), (r.get("la_code") or "").strip().upper(),
             (r.get("ons_la_name") or "").strip())
            for r in csv.DictReader(fh)
        )


def _known_authority(code: str) -> tuple[str, ...]:
    """(ONS name, CQC name) of an authority in the project's table of English authorities."""
    from sources.generator.geography import BY_CODE

    la = BY_CODE.get(code)
    return (la.ons_name, la.cqc_name) if la else ()


@dataclass(frozen=True)
class CouncilName:
    code: str
    display: str | None  # the ONS name, e.g. "Bristol, City of"
    keys: frozenset[str]  # la_name_key of every name known for the council

    @property
    def label(self) -> str:
        return f"{self.code} ({self.display})" if self.display else self.code


def council_names(con: duckdb.DuckDBPyConnection, councils: list[str]) -> dict[str, CouncilName]:
    """Every name known for each council code, with its matching keys: its ONS names in any ONS
    raw table (any council's rows: a code names the same area whoever loaded the file), then seed
    la_name_exceptions, then the project's table of English authorities. The first is shown."""
    names: dict[str, list[str]] = {c: [] for c in councils}
    wanted = ", ".join(sql_literal(c) for c in councils)
    for f in ONS_FILES:
        table = raw_table(f.ft)
        if not table_exists(con, table):
            continue
        for code, name in con.execute(
            f"""SELECT upper(trim({q(f.code)})) AS code, trim({q(f.name)}) AS name
                FROM {qualified(table)}
                WHERE upper(trim({q(f.code)})) IN ({wanted}) AND nullif(trim({q(f.name)}), '') IS NOT NULL
                GROUP BY 1, 2 ORDER BY count(*) DESC, 2"""
        ).fetchall():
            names[code].append(name)
    for cqc_name, code, ons_name in _exception_rows():
        if code in names:
            names[code] += [n for n in (ons_name, cqc_name) if n]
    for c in councils:
        names[c] += list(_known_authority(c))
    everything = sorted({n for ns in names.values() for n in ns})
    keys: dict[str, str | None] = {}
    if everything:
        values = ", ".join(f"({sql_literal(n)})" for n in everything)
        keys = dict(con.execute(f"SELECT n, {la_name_key('n')} FROM (VALUES {values}) AS _n(n)").fetchall())
    return {
        c: CouncilName(c, names[c][0] if names[c] else None, frozenset(k for n in names[c] if (k := keys.get(n))))
        for c in councils
    }


def _result(ft: FileType, column: str, part: Part, passed: bool, message: str, config: GateConfig, *, file: str,
            observed: dict[str, Any], skipped: bool = False) -> CheckResult:
    name = f"{ft.key}.coverage:{column}"
    return CheckResult(
        name=name,
        target=raw_table(ft),
        severity=config.severity_for(name, "ERROR"),  # type: ignore[arg-type]
        passed=passed,
        message=message,
        month=part.month,
        council=part.council,
        file=file,
        column=column,
        observed=observed,
        skipped=skipped,
    )


def _covers(areas: list[str], total_areas: int) -> str:
    """``"Lincolnshire only"`` or ``"Devon (116 rows), Cornwall (85 rows) and 3 other areas"``."""
    shown = ", ".join(areas)
    if total_areas == 1:
        return f"{areas[0].split(' (', 1)[0]} only"
    rest = total_areas - len(areas)
    return shown + (f" and {rest} other area{'s' if rest > 1 else ''}" if rest > 0 else "")


# --- CQC: the council's local authority among the file's `Location Local Authority` names ----

def cqc_coverage(con: duckdb.DuckDBPyConnection, ft: FileType, parts: list[Part], config: GateConfig,
                 names: dict[str, CouncilName]) -> dict[Part, list[CheckResult]]:
    table = raw_table(ft)
    if not table_exists(con, table):
        return {}
    rows = con.execute(
        f"""SELECT t._council, t._month, {la_name_key('t.' + q(LA_COLUMN))} AS k,
                   min(trim(t.{q(LA_COLUMN)})) AS la, count(*) AS n,
                   list(DISTINCT t._file ORDER BY t._file) AS files
            FROM {qualified(table)} t
            JOIN (VALUES {parts_values(parts)}) AS _p(c, s, e) ON t._council = _p.c AND t._month = _p.s
            GROUP BY 1, 2, 3
            ORDER BY 1, 2, count(*) DESC, 4"""
    ).fetchall()
    by_part: dict[Part, list[tuple[str | None, str | None, int, list[str]]]] = {}
    for c, m, k, la, n, files in rows:
        by_part.setdefault(Part(c, month_label(m)), []).append((k, la, int(n), list(files)))
    out: dict[Part, list[CheckResult]] = {}
    for p in parts:
        found = by_part.get(p)
        if not found:
            continue
        council = names[p.council]
        file = ", ".join(sorted({f for *_, fs in found for f in fs}))
        total = sum(n for _, _, n, _ in found)
        named = [(la, n) for k, la, n, _ in found if k]
        observed: dict[str, Any] = {
            "rows": total, "local_authorities": len(named), "council_names": sorted(council.keys),
            "top_local_authorities": [{"name": la, "rows": n} for la, n in named[:SHOWN_AREAS]],
        }
        if not council.keys:
            out[p] = [_result(
                ft, LA_COLUMN, p, True,
                f"{file}: coverage not checked: no local-authority name is known for {p.council} (it is in no "
                f"loaded ONS file, seed la_name_exceptions or the project's table of authorities)",
                config, file=file, observed=observed, skipped=True)]
            continue
        mine = [(la, n) for k, la, n, _ in found if k in council.keys]
        if mine:
            rows_in = sum(n for _, n in mine)
            msg = (f"{file}: {rows_in:,} of {total:,} rows in the council's area "
                   f"({', '.join(la for la, _ in mine)}: {council.label})")
            out[p] = [_result(ft, LA_COLUMN, p, True, msg, config, file=file,
                              observed={**observed, "council_rows": rows_in})]
            continue
        shown = [f"{la} ({n:,} rows)" for la, n in named[:SHOWN_AREAS]]
        covers = _covers(shown, len(named)) if named else f"no {LA_COLUMN} at all"
        msg = (f"{file} covers {covers}; no rows for {council.label}: load the national CQC file or one for "
               f"the council's area")
        out[p] = [_result(ft, LA_COLUMN, p, False, msg, config, file=file, observed={**observed, "council_rows": 0})]
    return out


# --- ONS: the council's own code among the file's area codes --------------------------------

def ons_coverage(con: duckdb.DuckDBPyConnection, f: OnsFile, councils: list[str],
                 names: dict[str, CouncilName]) -> dict[str, tuple[bool, str, str, dict[str, Any]]]:
    """council -> (covered, file, message, observed) for the councils with rows in the file."""
    table = raw_table(f.ft)
    if not table_exists(con, table):
        return {}
    wanted = ", ".join(sql_literal(c) for c in councils)
    areas = f"""areas AS (
        SELECT t._council, upper(trim(t.{q(f.code)})) AS code, min(trim(t.{q(f.name)})) AS name, count(*) AS n
        FROM {qualified(table)} t WHERE t._council IN ({wanted}) GROUP BY 1, 2)"""
    summary = con.execute(
        f"""WITH {areas},
            files AS (SELECT _council, list(DISTINCT _file ORDER BY _file) AS files
                      FROM {qualified(table)} WHERE _council IN ({wanted}) GROUP BY 1)
            SELECT a._council, bool_or(a.code = a._council), count(*) FILTER (WHERE a.code IS NOT NULL), sum(a.n),
                   any_value(files.files)
            FROM areas a JOIN files USING (_council) GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    missing = [c for c, own, *_ in summary if not own]
    top: dict[str, list[tuple[str, str | None, int]]] = {c: [] for c in missing}
    if missing:
        for c, code, name, n in con.execute(
            f"""WITH {areas}
                SELECT _council, code, name, n FROM areas
                WHERE code IS NOT NULL AND _council IN ({', '.join(sql_literal(c) for c in missing)})
                QUALIFY row_number() OVER (PARTITION BY _council ORDER BY {_AREA_TIER}, n DESC, code) <= {SHOWN_AREAS}
                ORDER BY _council, {_AREA_TIER}, n DESC, code"""
        ).fetchall():
            top[c].append((code, name, int(n)))
    out = {}
    for c, own, n_areas, n_rows, files in summary:
        file = ", ".join(files)
        council = names[c]
        observed: dict[str, Any] = {"rows": int(n_rows), "areas": int(n_areas)}
        if own:
            out[c] = (True, file, f"{file}: rows for {council.label} among {n_areas:,} areas in column '{f.code}'",
                      observed)
            continue
        shown = [f"{name} ({code}, {n:,} rows)" if name else f"{code} ({n:,} rows)" for code, name, n in top[c]]
        observed["top_areas"] = [{"code": code, "name": name, "rows": n} for code, name, n in top[c]]
        covers = _covers(shown, int(n_areas)) if shown else f"no {f.code} at all"
        out[c] = (False, file,
                  f"{file} covers {covers}; no rows for {council.label} in column '{f.code}': load the national ONS "
                  f"file (every local authority) or one that includes the council's own code", observed)
    return out


def checks_for_parts(
    con: duckdb.DuckDBPyConnection, parts: list[Part], config: GateConfig
) -> dict[Part, tuple[list[CheckResult], list[RejectRow]]]:
    """Each council-month's results and the rows they name (for raw._rejects: none, a coverage
    failure is about a whole file)."""
    parts = list(dict.fromkeys(parts))
    if not parts:
        return {}
    councils = sorted({p.council for p in parts})
    names = council_names(con, councils)
    out: dict[Part, tuple[list[CheckResult], list[RejectRow]]] = {p: ([], []) for p in parts}
    for ft in CQC_FILE_TYPES:
        for p, results in cqc_coverage(con, ft, parts, config, names).items():
            out[p][0].extend(results)
    for f in ONS_FILES:
        judged = ons_coverage(con, f, councils, names)
        for p in parts:
            if p.council in judged:
                covered, file, message, observed = judged[p.council]
                out[p][0].append(_result(f.ft, f.code, p, covered, message, config, file=file, observed=dict(observed)))
    return out


__all__ = ["checks_for_parts", "council_names", "cqc_coverage", "la_name_key", "ons_coverage"]
