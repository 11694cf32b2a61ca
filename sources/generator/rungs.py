"""What the generator assumes about each care-ladder rung (documented in README.md).

Rung names and tiers come from `sources.contracts.CARE_LADDER_RUNGS`; the published shares,
provider counts and top-5 shares come from the reference CSVs.  What is here are the modelling
choices the published figures do not pin down: who uses a rung, for how long, how it is priced
and which CLD codes describe it."""
from __future__ import annotations

from dataclasses import dataclass

from sources.contracts import CARE_LADDER_RUNGS


@dataclass(frozen=True)
class RungSpec:
    rung: str
    elements: tuple[tuple[str, str], tuple[str, str]]  # (code, description) for 18-64, 65+
    rate_unit: str  # ContrOCC Rate Unit
    unit_price: float  # typical price per unit at the end month (hourly/session rungs)
    cqc_kind: str | None  # kind of CQC location that delivers it (None: not CQC-registered)
    registered_share: float  # share of its suppliers that are CQC-registered
    service_type: str  # CLD Release 1 Service Type
    component_r1: str
    component_r2: str
    share_65: float  # prior share of users aged 65+ (fitted to the published band totals)
    cost_factor_18_64: float  # weekly cost of an 18-64 user relative to a 65+ user
    duration_months: tuple[float, float]  # mean length of a package: 18-64, 65+
    out_of_area: float  # share of users placed outside the council (if no published count)
    out_suppliers_per_user: float  # out-of-area suppliers per out-of-area user
    addon: float = 0.0  # share of users for whom this is a second service
    placement_in_council: bool = False  # out-of-area suppliers deliver in the council


_LTS_N, _LTS_R, _LTS_C = (
    "Long Term Support: Nursing Care", "Long Term Support: Residential Care", "Long Term Support: Community")

TIER3: tuple[RungSpec, ...] = (
    RungSpec("Nursing", (("NUR110", "Nursing Care - Younger Adults"), ("NUR100", "Nursing Care - Older People")),
             "Week", 0.0, "nursing", 1.0, _LTS_N, "Long Term Nursing Care", "Long Term Nursing Care",
             0.92, 1.25, (36, 16), 0.17, 0.42),
    RungSpec("Residential", (("RES110", "Residential Care - Younger Adults (LD/MH)"), ("RES100", "Residential Care - Older People")),
             "Week", 0.0, "residential", 1.0, _LTS_R, "Long Term Residential Care", "Long Term Residential Care",
             0.55, 1.9, (72, 26), 0.0, 0.40),
    RungSpec("Supported Accommodation", (("SAC210", "Supported Accommodation - Mental Health"), ("SAC200", "Supported Accommodation - Older Adults")),
             "Week", 0.0, "supported_living", 0.7, _LTS_C, "Other Long Term Support", "Other Long Term Support",
             0.10, 1.0, (30, 30), 0.0, 0.40),
    RungSpec("Extra Care Housing", (("ECH300", "Extra Care Housing - Care Hours"), ("ECH300", "Extra Care Housing - Care Hours")),
             "Hour", 19.60, "extra_care", 1.0, _LTS_C, "Home Support", "Extra care housing",
             0.85, 1.0, (40, 40), 0.0, 0.0),
    RungSpec("Supported Living", (("SLV400", "Supported Living - Support Hours"), ("SLV400", "Supported Living - Support Hours")),
             "Hour", 21.48, "supported_living", 1.0, _LTS_C, "Community Supported Living", "Community Supported Living",
             0.10, 1.1, (72, 60), 0.10, 0.35),
    RungSpec("Home Care", (("HCR500", "Home Care - Hourly"), ("HCR500", "Home Care - Hourly")),
             "Hour", 18.40, "domiciliary", 1.0, _LTS_C, "Home Support", "Home support or domiciliary care",
             0.78, 0.9, (36, 18), 0.03, 0.2, placement_in_council=True),
    RungSpec("Day Care", (("DAY600", "Day Opportunities - Session"), ("DAY600", "Day Opportunities - Session")),
             "Session", 48.00, None, 0.0, _LTS_C, "Day Support", "Day Support",
             0.40, 1.0, (48, 30), 0.0, 0.0, addon=0.6),
    RungSpec("Adult Placement", (("SLS700", "Shared Lives - Long Term"), ("SLS700", "Shared Lives - Long Term")),
             "Week", 0.0, "shared_lives", 1.0, _LTS_C, "Shared Lives", "Shared Lives",
             0.15, 1.0, (60, 48), 0.0, 0.0),
    RungSpec("Direct Payments", (("DPY800", "Direct Payment - Regular"), ("DPY800", "Direct Payment - Regular")),
             "Week", 0.0, None, 0.0, _LTS_C, "Direct Payment", "Direct payment",
             0.22, 1.5, (60, 36), 0.0, 0.0),
)
TIER3_BY_RUNG = {s.rung: s for s in TIER3}

# Tier 2 and the odd non-CLD line
REABLEMENT_ELEMENT = ("RBL900", "Reablement (short term, in-house)")
RESPITE_ELEMENT = ("STC910", "Respite / Short Term Residential Care")
TRANSPORT_ELEMENT = ("DAY610", "Day Opportunities - Transport (no CLD event)")

ELEMENT_MAP: tuple[tuple[str, str, str], ...] = (
    *sorted({(code, desc, s.rung) for s in TIER3 for code, desc in s.elements}),
    (TRANSPORT_ELEMENT[0], TRANSPORT_ELEMENT[1], "Day Care"),
    (REABLEMENT_ELEMENT[0], REABLEMENT_ELEMENT[1], "Reablement"),
    (RESPITE_ELEMENT[0], RESPITE_ELEMENT[1], "Short Term Care"),
)
assert all(r in CARE_LADDER_RUNGS for _, _, r in ELEMENT_MAP)
assert {s.rung for s in TIER3} == {r for r, t in CARE_LADDER_RUNGS.items() if t == 3}

# Prior-year uplifts applied each 1 April (fraction).  Chosen so the five years to March 2024
# compound to the published +GBP148/week on GBP663 (x1.287); other years use the default.
APRIL_UPLIFTS: dict[int, float] = {2019: 0.040, 2020: 0.045, 2021: 0.040, 2022: 0.065, 2023: 0.069}
DEFAULT_UPLIFT = 0.045

# Primary Support Reason priors by rung and band (fitted to the published LD / MH counts).
PSR_R1 = (
    "Learning Disability Support", "Mental Health Support", "Physical Support: Personal care support",
    "Support with Memory & Cognition", "Physical Support: Access & mobility only",
    "Sensory Support: Support for visual impairment", "Social Support: Substance misuse support",
    "Social Support: Support for Social Isolation/Other",
)
PSR_PRIOR: dict[tuple[str, str], tuple[float, ...]] = {
    ("Nursing", "18-64"): (.10, .10, .62, .10, .05, .0, .03, .0),
    ("Nursing", "65+"): (.02, .05, .55, .35, .03, .0, .0, .0),
    ("Residential", "18-64"): (.55, .30, .08, .03, .0, .01, .03, .0),
    ("Residential", "65+"): (.05, .10, .36, .45, .02, .01, .01, .0),
    ("Supported Accommodation", "18-64"): (.35, .50, .03, .0, .0, .0, .10, .02),
    ("Supported Accommodation", "65+"): (.20, .50, .20, .05, .0, .0, .05, .0),
    ("Extra Care Housing", "18-64"): (.20, .20, .50, .0, .10, .0, .0, .0),
    ("Extra Care Housing", "65+"): (.02, .08, .60, .20, .08, .02, .0, .0),
    ("Supported Living", "18-64"): (.62, .30, .05, .0, .0, .0, .03, .0),
    ("Supported Living", "65+"): (.60, .30, .10, .0, .0, .0, .0, .0),
    ("Home Care", "18-64"): (.10, .15, .55, .0, .12, .05, .0, .03),
    ("Home Care", "65+"): (.01, .04, .65, .15, .10, .04, .0, .01),
    ("Day Care", "18-64"): (.70, .10, .15, .0, .05, .0, .0, .0),
    ("Day Care", "65+"): (.10, .05, .20, .60, .05, .0, .0, .0),
    ("Adult Placement", "18-64"): (.85, .10, .05, .0, .0, .0, .0, .0),
    ("Adult Placement", "65+"): (.80, .20, .0, .0, .0, .0, .0, .0),
    ("Direct Payments", "18-64"): (.40, .10, .35, .0, .10, .05, .0, .0),
    ("Direct Payments", "65+"): (.08, .04, .65, .05, .13, .05, .0, .0),
}
