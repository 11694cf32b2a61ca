"""The demo council's `reference/national_comparators.csv` (issue 30): England's ASCOF 2B (18-64) and
2C (65+) permanent admissions to care homes per 100,000, per financial year.

No value below is copied from NHS England's publication (the repository does not hold it): each row's
`source` names the publication a council would copy the figure from, and says "Illustrative" because
the value is not that figure. A council replaces the rows with the published ones.
"""
from __future__ import annotations

from sources.contracts import NATIONAL_COMPARATOR_MEASURES, NATIONAL_COMPARATORS

# (financial year, ASCOF 2B 18-64, ASCOF 2C 65+): round numbers of the order of England's rates
ILLUSTRATIVE_RATES: tuple[tuple[str, str, str], ...] = (
    ("2022/23", "15", "560"),
    ("2023/24", "15", "570"),
    ("2024/25", "15", "570"),
)


def _source(measure: str, financial_year: str) -> str:
    start = financial_year[:4]
    return (f"Illustrative: of the order of England's {measure} in NHS England, 'Measures from the Adult Social "
            f"Care Outcomes Framework, England, {start}-{financial_year[-2:]}'; not the published figure")


def national_comparator_rows() -> list[list[str]]:
    assert NATIONAL_COMPARATORS.column_names == ["measure", "financial_year", "age_band", "value", "source"]
    (m_young, band_young), (m_old, band_old) = NATIONAL_COMPARATOR_MEASURES.items()
    rows = []
    for year, young, old in ILLUSTRATIVE_RATES:
        rows.append([m_young, year, band_young, young, _source(m_young, year)])
        rows.append([m_old, year, band_old, old, _source(m_old, year)])
    return rows
