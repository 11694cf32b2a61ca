"""Care-ladder shift scenarios: ``<landing>/scenarios/*.yml`` read into ``raw`` (I/O only; the
arithmetic is dbt's ``scenario_projection_annual``).

A scenario file::

    name: Residential to extra care (65+)
    description: 10% of 65+ residential placements move to extra care housing from 2026.
    shifts:
      - {from_rung: Residential, to_rung: Extra Care Housing, age_band: 65+, share: 0.10, from_year: 2026}
    unit_cost_change_pct:          # optional: rung -> % change of its average weekly cost
      Extra Care Housing: 5

``parse_scenario`` (pure) checks a file and returns the scenario or every problem found, each with
the file, the key (``shifts[1].share``) and the reason. ``load_scenarios`` mirrors a council's
folder into ``raw.scenarios``, ``raw.scenario_shifts`` and ``raw.scenario_unit_costs`` (one
transaction; the council's rows are replaced, no folder = no scenarios) and writes each rejected
file's problems to ``raw._rejects`` (file_type ``scenario``, month NULL): a rejected file is left
out, the others still run.
"""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import yaml

from .contracts import CARE_LADDER_RUNGS, PROJECTION_AGE_BANDS, RAW_SCHEMA, REJECTS_DDL

SCENARIOS_DIR = "scenarios"
SCENARIO_SUFFIXES = (".yml", ".yaml")
FILE_TYPE = "scenario"
CHECK_NAME = "scenario_file"
BASELINE = "baseline"
# `all` = every projection band; `65+` = 65-74, 75-84 and 85+ (dbt's stg_council__scenario_shifts)
SHIFT_AGE_BANDS: tuple[str, ...] = (*PROJECTION_AGE_BANDS, "65+", "all")
TIER3_RUNGS: tuple[str, ...] = tuple(r for r, tier in CARE_LADDER_RUNGS.items() if tier == 3)
TOP_KEYS = ("name", "description", "shifts", "unit_cost_change_pct")
SHIFT_KEYS = ("from_rung", "to_rung", "age_band", "share", "from_year")
MIN_YEAR, MAX_YEAR = 2000, 2100

DDL = f"""
CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.scenarios (
  scenario VARCHAR, description VARCHAR, _council VARCHAR, _file VARCHAR, _sha256 VARCHAR, _loaded_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.scenario_shifts (
  scenario VARCHAR, shift_no INTEGER, from_rung VARCHAR, to_rung VARCHAR, age_band VARCHAR, share DOUBLE,
  from_year INTEGER, _council VARCHAR, _file VARCHAR
);
CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.scenario_unit_costs (
  scenario VARCHAR, care_ladder_rung VARCHAR, unit_cost_change_pct DOUBLE, _council VARCHAR, _file VARCHAR
)"""
RAW_TABLES = ("scenarios", "scenario_shifts", "scenario_unit_costs")


@dataclass(frozen=True)
class Shift:
    from_rung: str
    to_rung: str
    age_band: str
    share: float
    from_year: int


@dataclass(frozen=True)
class Scenario:
    file: str
    name: str
    description: str
    shifts: tuple[Shift, ...]
    unit_cost_change_pct: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Problem:
    file: str
    key: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, {self.key or '(file)'}: {self.reason}"


@dataclass
class ScenarioLoad:
    scenarios: list[Scenario] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected_files(self) -> list[str]:
        return sorted({p.file for p in self.problems})


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _shift(file: str, i: int, raw: Any, out: list[Problem]) -> Shift | None:
    key = f"shifts[{i}]"
    if not isinstance(raw, Mapping):
        out.append(Problem(file, key, _text(raw), "a shift must be a mapping of " + ", ".join(SHIFT_KEYS)))
        return None
    start = len(out)
    for k in raw:
        if k not in SHIFT_KEYS:
            out.append(Problem(file, f"{key}.{k}", _text(raw[k]), f"unknown key (expected {', '.join(SHIFT_KEYS)})"))
    for k in SHIFT_KEYS:
        if k not in raw:
            out.append(Problem(file, f"{key}.{k}", None, "missing"))
    for k, allowed in (("from_rung", TIER3_RUNGS), ("to_rung", tuple(CARE_LADDER_RUNGS))):
        if k in raw and raw[k] not in allowed:
            what = "a Tier 3 rung (the projection's rungs)" if k == "from_rung" else "a care-ladder rung"
            out.append(Problem(file, f"{key}.{k}", _text(raw[k]),
                               f"unknown rung: must be {what}, one of {', '.join(allowed)}"))
    if "from_rung" in raw and raw.get("from_rung") == raw.get("to_rung"):
        out.append(Problem(file, f"{key}.to_rung", _text(raw["to_rung"]), "to_rung is the same as from_rung"))
    band = raw.get("age_band")
    if "age_band" in raw and str(band).strip() not in SHIFT_AGE_BANDS:
        out.append(Problem(file, f"{key}.age_band", _text(band),
                           f"unknown age band: must be one of {', '.join(SHIFT_AGE_BANDS)}"))
    share = raw.get("share")
    if "share" in raw and not (_is_number(share) and 0 <= share <= 1):
        out.append(Problem(file, f"{key}.share", _text(share), "share must be a number from 0 to 1"))
    year = raw.get("from_year")
    if "from_year" in raw and not (isinstance(year, int) and not isinstance(year, bool)
                                   and MIN_YEAR <= year <= MAX_YEAR):
        out.append(Problem(file, f"{key}.from_year", _text(year),
                           f"malformed year: must be a whole year {MIN_YEAR}-{MAX_YEAR}"))
    if len(out) > start:
        return None
    return Shift(str(raw["from_rung"]), str(raw["to_rung"]), str(band).strip(), float(share), int(year))


def _bands(band: str) -> tuple[str, ...]:
    if band == "all":
        return PROJECTION_AGE_BANDS
    if band == "65+":
        return PROJECTION_AGE_BANDS[1:]
    return (band,)


def _text(v: Any) -> str | None:
    return None if v is None else str(v)[:200]


def parse_scenario(text: str, file: str) -> tuple[Scenario | None, list[Problem]]:
    """The scenario a file's text describes, or None and every problem found (file, key, reason)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return None, [Problem(file, None, None, f"not valid YAML: {str(exc).splitlines()[0]}")]
    if not isinstance(doc, Mapping):
        return None, [Problem(file, None, None, "a scenario file must be a YAML mapping (name, description, shifts)")]
    out: list[Problem] = []
    for k in doc:
        if k not in TOP_KEYS:
            out.append(Problem(file, str(k), _text(doc[k]), f"unknown key (expected {', '.join(TOP_KEYS)})"))
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        out.append(Problem(file, "name", _text(name), "missing or blank: every scenario needs a name"))
    elif name.strip().lower() == BASELINE:
        out.append(Problem(file, "name", name, f"'{BASELINE}' is reserved for the demand projection itself"))
    description = doc.get("description")
    if description is not None and not isinstance(description, str):
        out.append(Problem(file, "description", _text(description), "must be text"))
    shifts_raw = doc.get("shifts")
    shifts: list[Shift] = []
    if not isinstance(shifts_raw, list):
        out.append(Problem(file, "shifts", _text(shifts_raw), "missing or not a list of shifts"))
    else:
        for i, raw in enumerate(shifts_raw, start=1):
            s = _shift(file, i, raw, out)
            if s is not None:
                shifts.append(s)
    out += _over_allocated(file, shifts)
    costs: list[tuple[str, float]] = []
    raw_costs = doc.get("unit_cost_change_pct")
    if raw_costs is not None and not isinstance(raw_costs, Mapping):
        out.append(Problem(file, "unit_cost_change_pct", _text(raw_costs), "must be a mapping of rung to a % change"))
    for rung, pct in (raw_costs or {}).items() if isinstance(raw_costs, Mapping) else ():
        key = f"unit_cost_change_pct.{rung}"
        if rung not in CARE_LADDER_RUNGS:
            out.append(Problem(file, key, _text(rung), "unknown rung: must be one of " + ", ".join(CARE_LADDER_RUNGS)))
        elif not (_is_number(pct) and pct > -100):
            out.append(Problem(file, key, _text(pct), "must be a number above -100 (a % change)"))
        else:
            costs.append((str(rung), float(pct)))
    if out:
        return None, out
    assert isinstance(name, str)
    return Scenario(file, name.strip(), (description or "").strip(), tuple(shifts), tuple(costs)), []


def _over_allocated(file: str, shifts: Iterable[Shift]) -> list[Problem]:
    """Shares out of one rung and age band adding to more than 1 (more than everyone moved)."""
    total: dict[tuple[str, str], float] = {}
    for s in shifts:
        for band in _bands(s.age_band):
            total[(s.from_rung, band)] = total.get((s.from_rung, band), 0.0) + s.share
    return [Problem(file, "shifts", f"{rung} {band}: {t:g}",
                    f"the shares moved out of {rung} ({band}) add up to more than 1")
            for (rung, band), t in sorted(total.items()) if t > 1 + 1e-9]


def scenario_files(landing: Path) -> list[Path]:
    folder = Path(landing) / SCENARIOS_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SCENARIO_SUFFIXES)


def read_scenarios(landing: Path) -> ScenarioLoad:
    """Every scenario file of the folder parsed; a second file with a name already taken is rejected."""
    result = ScenarioLoad()
    names: dict[str, str] = {}
    for path in scenario_files(landing):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            result.problems.append(Problem(path.name, None, None, f"unreadable: {exc}"))
            continue
        scenario, problems = parse_scenario(text, path.name)
        if scenario is not None and scenario.name.lower() in names:
            problems = [Problem(path.name, "name", scenario.name,
                                f"the name is already used by {names[scenario.name.lower()]}")]
            scenario = None
        result.problems += problems
        if scenario is not None:
            names[scenario.name.lower()] = path.name
            result.scenarios.append(scenario)
    return result


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    con.execute(REJECTS_DDL)
    for statement in DDL.split(";"):
        con.execute(statement)


def load_scenarios(con: duckdb.DuckDBPyConnection, landing: Path, *, council: str) -> ScenarioLoad:
    """Mirror `<landing>/scenarios/*.yml` into raw as `council`'s, in one transaction."""
    result = read_scenarios(landing)
    ensure_tables(con)
    now = datetime.now(UTC).replace(tzinfo=None)
    load_id = uuid.uuid4().hex
    con.execute("BEGIN TRANSACTION")
    try:
        for table in RAW_TABLES:
            con.execute(f"DELETE FROM {RAW_SCHEMA}.{table} WHERE _council = ?", [council])
        con.execute(f"DELETE FROM {RAW_SCHEMA}._rejects WHERE council_code = ? AND file_type = ?", [council, FILE_TYPE])
        for s in result.scenarios:
            sha = hashlib.sha256((Path(landing) / SCENARIOS_DIR / s.file).read_bytes()).hexdigest()
            con.execute(f"INSERT INTO {RAW_SCHEMA}.scenarios VALUES (?, ?, ?, ?, ?, ?)",
                        [s.name, s.description, council, s.file, sha, now])
            for i, sh in enumerate(s.shifts, start=1):
                con.execute(f"INSERT INTO {RAW_SCHEMA}.scenario_shifts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [s.name, i, sh.from_rung, sh.to_rung, sh.age_band, sh.share, sh.from_year, council, s.file])
            for rung, pct in s.unit_cost_change_pct:
                con.execute(f"INSERT INTO {RAW_SCHEMA}.scenario_unit_costs VALUES (?, ?, ?, ?, ?)",
                            [s.name, rung, pct, council, s.file])
        for p in result.problems:
            con.execute(f"INSERT INTO {RAW_SCHEMA}._rejects VALUES (?, ?, NULL, ?, NULL, ?, ?, ?, ?, ?, ?)",
                        [load_id, FILE_TYPE, p.file, p.key, p.value, p.reason, CHECK_NAME, now, council])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result
