"""The annual Adult Social Care Survey extract (one row per anonymous respondent)."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sources.contracts import ASCS_RESPONSES

HEADER = ASCS_RESPONSES.column_names
# answer shares: Q3a (control) 1-4, Q7a (safety) 1-4, Q7b (services help me feel safe) 1-2
Q3A = np.array([0.37, 0.40, 0.17, 0.06])  # ASCOF 1B about 77%
Q7A = np.array([0.67, 0.26, 0.05, 0.02])
Q7B = np.array([0.875, 0.125])  # ASCOF 4B about 87.5%


def survey_rows(year: int, n: int, rng: np.random.Generator) -> Iterator[list[str]]:
    drift = float(rng.normal(0, 0.015))
    q3 = Q3A + np.array([drift, 0, -drift, 0])
    q7b = Q7B + np.array([drift / 2, -drift / 2])
    for i in range(n):
        band = "65+" if rng.random() < 0.6 else "18-64"
        setting = ("Community", "Residential", "Nursing")[int(rng.choice(3, p=(0.74, 0.16, 0.10)))]
        weight = {"Community": 1.0, "Residential": 0.9, "Nursing": 0.85}[setting]

        def answer(p: np.ndarray) -> str:
            return "" if rng.random() < 0.02 else str(int(rng.choice(len(p), p=p / p.sum())) + 1)

        yield [f"R{year}{i + 1:05d}", str(year), band, setting, answer(q3), answer(Q7A), answer(q7b), f"{weight:g}"]
