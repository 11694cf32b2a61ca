"""The annual Adult Social Care Survey extract (one row per anonymous respondent)."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sources.contracts import ASCS_RESPONSES

from .calibration import round_preserving

HEADER = ASCS_RESPONSES.column_names
# answer shares: Q3a (control) 1-4, Q7a (safety) 1-4, Q7b (services help me feel safe) 1-2
Q3A = np.array([0.37, 0.40, 0.17, 0.06])  # ASCOF 1B about 77%
Q7A = np.array([0.67, 0.26, 0.05, 0.02])  # ASCOF 4A about 67%
Q7B = np.array([0.875, 0.125])  # ASCOF 4B about 87.5%
BLANK = 0.02  # share of questions left unanswered
SETTINGS = (("Community", 0.74, 1.0), ("Residential", 0.16, 0.9), ("Nursing", 0.10, 0.85))  # share, weight


def _answers(p: np.ndarray, n: int, rng: np.random.Generator) -> list[str]:
    """Exactly the expected number of each answer (largest remainder) in random order, so small
    groups (an age band) still score what the survey is calibrated to."""
    shares = np.concatenate([p * (1 - BLANK), [BLANK]])
    counts = round_preserving(shares / shares.sum() * n, n)
    values = [str(i + 1) for i, c in enumerate(counts[:-1]) for _ in range(int(c))] + [""] * int(counts[-1])
    rng.shuffle(values)  # type: ignore[arg-type]
    return values


def survey_rows(year: int, n: int, rng: np.random.Generator) -> Iterator[list[str]]:
    drift = float(rng.uniform(-0.01, 0.01))  # a little year-to-year movement
    q3 = Q3A + np.array([drift, 0, -drift, 0])
    q7b = Q7B + np.array([drift, -drift])
    n_old = int(round(n * 0.6))
    rid = 0
    for band, size in (("18-64", n - n_old), ("65+", n_old)):
        a3, a7a, a7b = _answers(q3, size, rng), _answers(Q7A, size, rng), _answers(q7b, size, rng)
        settings = [s for s, share, _ in SETTINGS for _ in range(int(round(share * size)))]
        settings = (settings + ["Community"] * size)[:size]
        rng.shuffle(settings)  # type: ignore[arg-type]
        weights = {s: w for s, _, w in SETTINGS}
        for i in range(size):
            rid += 1
            yield [f"R{year}{rid:05d}", str(year), band, settings[i], a3[i], a7a[i], a7b[i], f"{weights[settings[i]]:g}"]
