"""The demo council's forward-looking reference files (issue 28): `reference/prevalence_rates.csv`
and two `scenarios/*.yml` taken from the seed documents' intentions.

Rates: no rate below is copied from POPPI/PANSI tables (which the repository does not hold); each
`source` says how it was set, and says "Illustrative" where it is not a published rate.
"""
from __future__ import annotations

from sources.contracts import PREVALENCE_RATES

SELF_CARE = "People aged 65+ unable to manage at least one self-care activity on their own"
DEMENTIA = "People with dementia"
LD_18_64 = "People aged 18-64 with a moderate or severe learning disability"
_SELF_CARE_SOURCE = (
    "Illustrative: set so that B&NES's 2014 population aged 65+ gives about the 11,807 people its Market "
    "Position Statement (2018) quotes from POPPI; not a published POPPI rate")
_DEMENTIA_SOURCE = (
    "Illustrative: rising with age in the shape of the published POPPI dementia rates (Dementia UK 2014 "
    "update); not the published rates")
_LD_SOURCE = "Illustrative: of the order of PANSI's moderate or severe learning disability rates; not a published rate"

PREVALENCE_ROWS: tuple[tuple[str, str, str, str], ...] = (
    (SELF_CARE, "65-74", "22", _SELF_CARE_SOURCE),
    (SELF_CARE, "75-84", "38", _SELF_CARE_SOURCE),
    (SELF_CARE, "85+", "62", _SELF_CARE_SOURCE),
    (DEMENTIA, "65-74", "2.3", _DEMENTIA_SOURCE),
    (DEMENTIA, "75-84", "8.5", _DEMENTIA_SOURCE),
    (DEMENTIA, "85+", "24", _DEMENTIA_SOURCE),
    (LD_18_64, "18-64", "0.45", _LD_SOURCE),
)


def prevalence_rows() -> list[list[str]]:
    assert PREVALENCE_RATES.column_names == ["measure", "age_band", "rate_pct", "source"]
    return [list(r) for r in PREVALENCE_ROWS]


def scenario_files(from_year: int) -> dict[str, str]:
    """File name -> YAML text of the demo's scenarios, shifting from `from_year`."""
    return {
        "residential_to_extra_care.yml": f"""\
name: Residential to extra care housing (65+)
description: >-
  10% of people aged 65+ projected to be in residential care are supported in extra care housing
  instead, from {from_year} (B&NES MPS 2018, 'making better use of extra care'; Bristol's strategy:
  community based support as opposed to residential care).
shifts:
  - {{from_rung: Residential, to_rung: Extra Care Housing, age_band: 65+, share: 0.10, from_year: {from_year}}}
""",
        "home_care_reablement_first.yml": f"""\
name: Reablement first (65+ home care)
description: >-
  15% of people aged 65+ projected to need home care are reabled instead, from {from_year}, and 5%
  of 65+ nursing placements are supported in residential care (Bristol's three-tier model: help to
  regain independence first; B&NES MPS 2018: recommissioned reablement and home care). Reablement
  is costed at its own average weekly cost for a whole year, an upper bound (see DECISIONS).
shifts:
  - {{from_rung: Home Care, to_rung: Reablement, age_band: 65+, share: 0.15, from_year: {from_year}}}
  - {{from_rung: Nursing, to_rung: Residential, age_band: 65+, share: 0.05, from_year: {from_year}}}
""",
    }
