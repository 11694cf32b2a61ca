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
