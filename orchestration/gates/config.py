"""Gate thresholds and severities: defaults here, overridable from a yml file and from env.

Precedence: dataclass defaults < yml (``ASCW_GATES_CONFIG`` or an explicit path) < env
variables ``ASCW_GATE_<FIELD>`` (for example ``ASCW_GATE_DRIFT_THRESHOLD=0.5``).
``severities`` maps check-name patterns (fnmatch, e.g. ``"las_cld.in_code_list:Ethnicity"`` or
``"*.drift"``) to ``ERROR`` or ``WARN``; in env it is ``pattern=SEVERITY;pattern=SEVERITY``.
"""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

SEVERITIES = ("ERROR", "WARN")


@dataclass(frozen=True)
class GateConfig:
    cost_ceiling: float = 25_000.0  # £ per week: Weekly Cost, Unit Rate, client contribution
    unit_cost_ceiling: float = 1_000_000.0  # £: CLD Unit Cost (any Cost Frequency)
    payment_ceiling: float = 250_000.0  # £: absolute value of one payment line
    min_age: int = 18  # whole years at the reporting period end
    drift_threshold: float = 0.40  # a file with >= 40% fewer rows than last month is suspect
    reconciliation_tolerance: float = 0.02  # payments vs committed cost (share of committed)
    line_tolerance_pounds: float = 1.00  # per-line payment differences below this are ignored
    share_tolerance: float = 0.01  # care-ladder shares must sum to 100 +/- this
    loaded_statuses: tuple[str, ...] = ("loaded", "ok", "success", "unchanged")
    check_reference_files: bool = True  # run the reference-file suites with each month
    chunk_vectors: int = 64  # rows per GX chunk = chunk_vectors x 2048
    max_examples: int = 5
    # --- value checks of the service lines (value_checks.py; issue 27) ---
    # A line's Unit Rate or Weekly Cost against its previous version (same Service Agreement ID +
    # Line No in the council's latest earlier file). Real changes are uplifts of a few per cent
    # and package reviews that rarely triple the hours in a month: WARN from 3x (or a third); a
    # decimal slip is 10x (or a tenth) and no real price moves 8-fold in a month: ERROR from 8x.
    value_change_warn_factor: float = 3.0
    value_change_error_factor: float = 8.0
    # A new or re-priced line's Unit Rate against its rung's robust range (the council's distinct
    # line versions of that rung and Rate Unit over its loaded months, on the log scale): median
    # +/- rate_range_mads robust SDs (1.4826 x MAD), never narrower than a factor
    # rate_range_min_factor either side of the median (real prices within a rung span about 2x:
    # residential GBP 700-1,500 a week, home care GBP 20-30 an hour; a flat tariff has MAD 0).
    # The demo's widest honest rates sit 3.9x from their rung's median, inside 4 SDs.
    rate_range_mads: float = 4.0
    rate_range_min_factor: float = 3.0
    # ERROR when also 8x (or an eighth of) the rung's median: twice as far as real specialist
    # placements go (~4x); a decimal slip on a typical rate lands at ~10x
    rate_range_error_factor: float = 8.0
    # fewer distinct lines than this in a rung and Rate Unit: median and MAD are not judged (with
    # 20 lines one or two outliers cannot move them far)
    rate_range_min_lines: int = 20
    # --- completeness (value_checks.py): open lines of last month's file absent from this month's ---
    # each is a WARN and treated as ended at the end of the last month it was listed (lines end-
    # dated after the extract, deaths above all, vanish legitimately: a few per cent a month); 10%
    # or more of last month's open lines gone is a partial extract: ERROR, judged only when last
    # month's file held at least vanished_min_lines open lines (a tiny council's one line is 25%)
    vanished_share_error: float = 0.10
    vanished_min_lines: int = 50
    # --- identity checks (identity_checks.py; reconciliation.py's pays_known_service_line; issue 27) ---
    # Payments on line periods whose Service Agreement ID + Line No is no service line loaded up to
    # the month are left out of the reconciliation: ERROR when they total (absolute, net per line
    # period) more than this, else WARN. GBP 1,000 is about one week of one care home placement
    # (GBP 750-900 in the demo): care paid on a line that does not exist blocks; a stray small
    # adjustment or refund is listed in the manifest. 0 blocks on any amount.
    unknown_line_payment_block_pounds: float = 1_000.0
    # An NHS Number failing its modulus 11 check: WARN (the number is only hashed and no published
    # figure counts NHS numbers, so a typo misleads no table); True makes it ERROR.
    nhs_number_check_blocks: bool = False
    # Service lines without an Event Reference (SOURCES.md: "blank for non-CLD lines") also need
    # their person in the CLD: off, as such a line may fund someone the CLD does not hold (people
    # with no CLD row count in `All` by design); on where every ContrOCC client is in LAS.
    non_cld_line_person_in_cld: bool = False
    severities: dict[str, str] = field(default_factory=dict)

    def severity_for(self, name: str, default: str) -> str:
        """Severity of a check: the last matching override pattern wins, else the default."""
        chosen = default
        for pattern, sev in self.severities.items():
            if fnmatch.fnmatchcase(name, pattern):
                chosen = sev
        return chosen

    def __post_init__(self) -> None:
        for pattern, sev in self.severities.items():
            if sev not in SEVERITIES:
                raise ValueError(f"severity for {pattern!r} must be ERROR or WARN, not {sev!r}")
        if not 0 < self.drift_threshold <= 1:
            raise ValueError("drift_threshold must be in (0, 1]")
        if self.reconciliation_tolerance < 0:
            raise ValueError("reconciliation_tolerance must be >= 0")


def _coerce(name: str, raw: Any, current: Any) -> Any:
    if name == "severities":
        if isinstance(raw, dict):
            return {str(k): str(v).upper() for k, v in raw.items()}
        pairs = [p.split("=", 1) for p in str(raw).split(";") if p.strip()]
        return {k.strip(): v.strip().upper() for k, v in pairs}
    if isinstance(current, bool):
        return raw if isinstance(raw, bool) else str(raw).strip().lower() in ("1", "true", "yes")
    if isinstance(current, tuple):
        items = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
        return tuple(str(x).strip() for x in items if str(x).strip())
    if isinstance(current, int):
        return int(raw)
    if isinstance(current, float):
        return float(raw)
    return raw


def config_from_mapping(values: dict[str, Any], base: GateConfig | None = None) -> GateConfig:
    base = base or GateConfig()
    known = {f.name for f in fields(GateConfig)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown gate settings: {sorted(unknown)}")
    return replace(base, **{k: _coerce(k, v, getattr(base, k)) for k, v in values.items()})


def load_gate_config(path: Path | str | None = None, env: dict[str, str] | None = None) -> GateConfig:
    """Defaults, then the yml file (if any), then ``ASCW_GATE_*`` environment variables."""
    e = os.environ if env is None else env
    cfg = GateConfig()
    yml = path or e.get("ASCW_GATES_CONFIG")
    if yml:
        import yaml

        data = yaml.safe_load(Path(yml).read_text(encoding="utf-8")) or {}
        cfg = config_from_mapping(data.get("gates", data), cfg)
    overrides = {
        f.name: e[f"ASCW_GATE_{f.name.upper()}"]
        for f in fields(GateConfig)
        if f"ASCW_GATE_{f.name.upper()}" in e
    }
    return config_from_mapping(overrides, cfg) if overrides else cfg
