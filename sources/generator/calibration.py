"""Calibration targets (read from the published reference CSVs) and the pure arithmetic that
turns them into the end-of-period stock the simulation is built backwards from."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PACKAGE_DATA = Path(__file__).resolve().parent / "data"  # Bristol's published figures (tests/fixtures/reference)
BANDS: tuple[str, str] = ("18-64", "65+")


def reference_dir(override: Path | None = None) -> Path:
    """The folder of the published figures the demo is calibrated to: the package's copy (byte for
    byte the published CSVs: tests/test_generator_landing.py), unless another is given."""
    return override if override is not None else PACKAGE_DATA


@dataclass(frozen=True)
class Targets:
    """Bristol's published figures, scaled to a council by `scale` (population ratio)."""

    pct_spend: dict[str, float]
    pct_activity: dict[str, float]
    providers_in_city: dict[str, int | None]
    top5_share_pct: dict[str, float | None]
    headlines: dict[str, float]
    scale: float = 1.0

    def h(self, measure: str, scaled: bool = False) -> float:
        return self.headlines[measure] * (self.scale if scaled else 1.0)


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


def load_targets(ref: Path | None = None, scale: float = 1.0) -> Targets:
    ref = reference_dir(ref)
    with open(ref / "bristol_care_ladder_2023.csv", newline="", encoding="utf-8") as f:
        ladder = list(csv.DictReader(f))
    with open(ref / "bristol_headlines_2023.csv", newline="", encoding="utf-8") as f:
        head = {r["measure"]: float(r["value"]) for r in csv.DictReader(f)}
    prov = {r["care_ladder_rung"]: _num(r["providers_based_in_city"]) for r in ladder}
    return Targets(
        pct_spend={r["care_ladder_rung"]: float(r["pct_spend"]) for r in ladder},
        pct_activity={r["care_ladder_rung"]: float(r["pct_activity"]) for r in ladder},
        providers_in_city={k: None if v is None else int(v) for k, v in prov.items()},
        top5_share_pct={r["care_ladder_rung"]: _num(r["top5_share_pct"]) for r in ladder},
        headlines=head,
        scale=scale,
    )


def ipf(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, iters: int = 200) -> np.ndarray:
    """Iterative proportional fitting of a non-negative matrix to row and column totals."""
    m = seed.astype(float).copy()
    for _ in range(iters):
        m *= (rows / np.maximum(m.sum(axis=1), 1e-12))[:, None]
        m *= (cols / np.maximum(m.sum(axis=0), 1e-12))[None, :]
    return m


def round_preserving(values: np.ndarray, total: int | None = None) -> np.ndarray:
    """Largest-remainder rounding of a vector to integers summing to `total` (default: round(sum))."""
    v = np.asarray(values, dtype=float)
    target = int(round(v.sum())) if total is None else int(total)
    base = np.floor(v).astype(int)
    short = target - int(base.sum())
    if short > 0:
        order = np.argsort(-(v - base), kind="stable")
        base[order[:short]] += 1
    elif short < 0:
        order = np.argsort(v - base, kind="stable")
        for i in order[: -short]:
            base[i] -= 1 if base[i] > 0 else 0
    return base


def round_matrix(m: np.ndarray, col_totals: np.ndarray) -> np.ndarray:
    """Round a matrix column by column so each column sums exactly to its (integer) total."""
    out = np.zeros_like(m, dtype=int)
    for j in range(m.shape[1]):
        out[:, j] = round_preserving(m[:, j], int(col_totals[j]))
    return out


def stock_matrix(
    rungs: list[str],
    activity_pct: dict[str, float],
    share_65: dict[str, float],
    band_totals: tuple[int, int],
    addon: dict[str, float],
) -> np.ndarray:
    """People (rows: rungs, cols: bands) holding each rung as their *primary* service at the
    snapshot, so that distinct people per band equal `band_totals` and person-rung counts are in
    the published activity shares.  `addon[r]` is the share of rung r's users for whom it is a
    second service (they are counted in r's activity but are not extra people)."""
    pct = np.array([activity_pct[r] for r in rungs], dtype=float)
    pct /= pct.sum()
    people = float(sum(band_totals))
    primary_share = np.array([1.0 - addon.get(r, 0.0) for r in rungs])
    person_rungs = people / float((pct * primary_share).sum())
    rows = pct * primary_share * person_rungs
    seed = np.array([[1 - share_65[r], share_65[r]] for r in rungs])
    fitted = ipf(seed, rows, np.array(band_totals, dtype=float))
    return round_matrix(fitted, np.array(band_totals))


def addon_counts(rungs: list[str], activity_pct: dict[str, float], people: int,
                 addon: dict[str, float]) -> dict[str, int]:
    pct = np.array([activity_pct[r] for r in rungs], dtype=float)
    pct /= pct.sum()
    primary_share = np.array([1.0 - addon.get(r, 0.0) for r in rungs])
    person_rungs = people / float((pct * primary_share).sum())
    return {r: int(round(person_rungs * p * addon.get(r, 0.0))) for r, p in zip(rungs, pct)}


def top_shares(n_users: int, n_in: int, n_out: int, out_users: int, top5_pct: float | None,
               rng: np.random.Generator) -> tuple[list[int], list[int]]:
    """Quotas of users per supplier: (in-area suppliers, biggest first; out-of-area suppliers).

    The five biggest in-area suppliers hold `top5_pct` of the users; every supplier holds at
    least one."""
    in_users = n_users - out_users
    n_in = max(1, min(n_in, in_users))
    k = min(5, n_in)
    if top5_pct is None:
        w = rng.lognormal(0.0, 0.6, n_in)
        inq = round_preserving(w / w.sum() * (in_users - n_in), in_users - n_in) + 1
    else:
        top_total = min(int(round(n_users * top5_pct / 100.0)), in_users - (n_in - k))
        rest = in_users - top_total
        tw = np.array([0.27, 0.22, 0.19, 0.17, 0.15][:k])
        top = round_preserving(tw / tw.sum() * top_total, top_total)
        if n_in > k:
            w = rng.lognormal(0.0, 0.5, n_in - k)
            cap = max(1, int(top.min()) - 1)
            others = round_preserving(w / w.sum() * (rest - (n_in - k)), rest - (n_in - k)) + 1
            others = np.minimum(others, cap)
            # give any excess removed by the cap back to the top five
            top[0] += rest - int(others.sum())
            inq = np.concatenate([top, np.sort(others)[::-1]])
        else:
            top[0] += rest
            inq = top
    n_out = max(0, min(n_out, out_users))
    if n_out:
        w = rng.lognormal(0.0, 0.7, n_out)
        outq = round_preserving(w / w.sum() * (out_users - n_out), out_users - n_out) + 1
    else:
        outq = np.zeros(0, dtype=int)
    return [int(x) for x in inq], [int(x) for x in outq]


def price_index(uplifts: dict[int, float], default: float, year_from: int, year_to: int) -> float:
    """Product of the April uplifts of the years year_from+1 .. year_to (1.0 when equal)."""
    f = 1.0
    for y in range(year_from + 1, year_to + 1):
        f *= 1.0 + uplifts.get(y, default)
    return f
