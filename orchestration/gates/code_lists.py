"""Code lists the gates validate coded columns against (CLD Release 1 and Release 2, ContrOCC,
CQC, ASCS and council reference sets).

Matching is case-insensitive on the trimmed value (``normalise``), the same rule dbt's
``canonical_code`` macro uses, so a value the gate accepts is a value staging can map.
``blocking`` follows ../shared/specs/SOURCES.md: a CLD code outside its list blocks the month only
where the field feeds a published figure (Event Type, Service Type, Service Component, Delivery
Mechanism, Primary Support Reason, Event Outcome, Client Type, Cost Frequency); elsewhere it is a
warning.  Non-CLD sets that feed published figures (rate units, payment status, CQC ratings and
domains, survey answers, care-ladder rungs) also block.
"""
from __future__ import annotations

from dataclasses import dataclass

from sources.contracts import CARE_LADDER_RUNGS, NATIONAL_COMPARATOR_MEASURES, PROJECTION_AGE_BANDS


@dataclass(frozen=True)
class CodeList:
    name: str
    release1: tuple[str, ...]
    release2: tuple[str, ...] = ()
    blocking: bool = False
    case_sensitive: bool = False  # only the council's own rung names are exact

    @property
    def values(self) -> tuple[str, ...]:
        return self.release1 + tuple(v for v in self.release2 if v not in self.release1)

    def allowed(self) -> list[str]:
        """Values as compared (normalised unless case-sensitive), sorted, without duplicates."""
        if self.case_sensitive:
            return sorted(set(self.values))
        return sorted({normalise(v) for v in self.values if normalise(v)})

    def contains(self, value: str | None) -> bool:
        """True when the value is blank (nulls are checked elsewhere) or in the list."""
        if value is None or not str(value).strip():
            return True
        if self.case_sensitive:
            return str(value).strip() in self.values
        return normalise(value) in set(self.allowed())


def normalise(value: object) -> str | None:
    """Trimmed, lower-cased text; blank -> None (the SQL twin is ``sql_normalise``)."""
    if value is None:
        return None
    text = str(value).strip().lower()
    return text or None


def sql_normalise(column: str) -> str:
    """DuckDB expression normalising a quoted raw column like ``normalise`` does."""
    return f"nullif(lower(trim(CAST(\"{column}\" AS VARCHAR))), '')"


# --- CLD (LAS) ------------------------------------------------------------------------------
EVENT_TYPE = CodeList("Event Type", ("Request", "Assessment", "Service", "Review"), blocking=True)

SERVICE_TYPE = CodeList(
    "Service Type",
    (
        "Long Term Support: Nursing Care",
        "Long Term Support: Residential Care",
        "Long Term Support: Community",
        "Long Term Support: Prison",
        "Short Term Support: ST-Max",
        "Short Term Support: Ongoing Low Level",
        "Short Term Support: Other Short Term",
        "Carer Support: Direct to Carer",
        "Carer Support: Support involving the person cared-for",
    ),
    (
        # Release 2 sentence case (case-insensitive match makes most identical) and renames
        "Long term support: Nursing care",
        "Long term support: Residential care",
        "Long term support: Community",
        "Long term support: Prison",
        "Short term support: ST-Max",
        "Short term support: Ongoing low level",
        "Short term support: Other short term",
        "Carer support: Direct to carer",
        "Carer support: Support involving the person cared-for",
    ),
    blocking=True,
)

DELIVERY_MECHANISM = CodeList(
    "Delivery Mechanism",
    ("Direct Payment", "CASSR Managed Personal Budget", "CASSR Commissioned Support"),
    ("Direct payment", "CASSR managed personal budget", "CASSR commissioned support"),
    blocking=True,
)

PRIMARY_SUPPORT_REASON = CodeList(
    "Primary Support Reason",
    (
        "Physical Support: Access & mobility only",
        "Physical Support: Personal care support",
        "Sensory Support: Support for visual impairment",
        "Sensory Support: Support for hearing impairment",
        "Sensory Support: Support for dual impairment",
        "Support with Memory & Cognition",
        "Learning Disability Support",
        "Mental Health Support",
        "Social Support: Substance misuse support",
        "Social Support: Asylum seeker support",
        "Social Support: Support for Social Isolation/Other",
        "Social Support: Support to Carer",
        "Unknown",
    ),
    (
        "Physical support: Access and mobility only",
        "Physical support: Personal care support",
        "Support with memory and cognition",
        "Social support: Support for social isolation or other",
        "Social support: Support for social isolation / other",
    ),
    blocking=True,
)

SERVICE_COMPONENT = CodeList(
    "Service Component",
    (
        "Reablement",
        "Short Term Nursing Care",
        "Short Term Residential Care",
        "Long Term Nursing Care",
        "Long Term Residential Care",
        "Home Support",
        "Day Support",
        "Meals",
        "Transport",
        "Equipment",
        "Direct Payment",
        "Shared Lives",
        "Community Supported Living",
        "Professional Support",
        "Learning/Education/Employment Support",
        "End of Life Care",
        "Emergency Support",
        "Other Short Term Support",
        "Other Long Term Support",
        "Carer Respite",
    ),
    (
        "Home support or domiciliary care",
        "Extra care housing",
        "Learning, education or employment support",
        "Learning / education / employment support",
    ),
    blocking=True,
)

EVENT_OUTCOME = CodeList(
    "Event Outcome",
    (
        "Progress to Reablement/ST-Max",
        "Progress to Assessment",
        "Admitted to Hospital",
        "Progress to Re-assessment / Unplanned Review",
        "Progress to Support Planning / Services",
        "Progress to End of Life Care",
        "No change in package",
        "Service ended as planned",
        "Progress to financial assessment",
        "Provision of service",
        "NFA - Deceased",
        "NFA - Moved to another LA",
        "NFA - 100% NHS-funded care",
        "NFA - Information & Advice / Signposting only",
        "NFA - Self-funded client (inc. 12wk disregard)",
        "NFA - Support declined",
        "NFA - Support ended – other reason",
        "NFA - No services offered - other reason",
        "NFA - Other",
    ),
    (
        "Progress to reablement or ST-Max",
        "Progress to reablement / ST-Max",
        "Progress to re-assessment or unplanned review",
        "Progress to support planning or services",
        "Continuation of support or services",
        "NFA: Deceased",
        "NFA: Moved to another LA",
        "NFA: Moved to another local authority",
        "NFA: 100% NHS-funded care",
        "NFA: 100% NHS funded care",
        "NFA: Information and advice or signposting",
        "NFA: Information and advice or signposting only",
        "NFA: Information & Advice / Signposting only",
        "NFA: Self-funded client (inc. 12wk disregard)",
        "NFA: Self-funded client",
        "NFA: Support declined",
        "NFA: Support ended - other reason",
        "NFA: Support ended – other reason",
        "NFA - Support ended - other reason",
        "NFA: No services offered - other reason",
        "NFA: No services offered: other reason",
        "NFA: No services offered – other reason",
        "NFA: Other",
    ),
    blocking=True,
)

CLIENT_TYPE = CodeList(
    "Client Type",
    ("Service User", "Carer"),
    ("Service user", "Carer", "Carer known by association"),
    blocking=True,
)

COST_FREQUENCY = CodeList(
    "Cost Frequency (Unit Type)",
    (
        "Weekly",
        "Fortnightly",
        "4-weekly",
        "Monthly",
        "Quarterly",
        "Annually",
        "One-off",
        "Hourly",
        "Daily",
        "Per session",
    ),
    ("Four-weekly", "4 weekly", "Annual", "One off"),
    blocking=True,
)

ROUTE_OF_ACCESS = CodeList(
    "Request: Route of Access",
    (
        "Planned Entry (Transition)",
        "Discharge from Hospital",
        "Diversion from Hospital Services",
        "Self-Funder with Depleted Funds",
        "Prison",
        "Community / Other route",
    ),
    ("Community or other route", "Planned entry (transition)", "Self-funder with depleted funds"),
)

GENDER = CodeList(
    "Gender",
    ("Male", "Female", "Other", "Unknown"),
    ("Non-binary", "Not known", "Not stated", "Not specified", "Indeterminate", "Prefer not to say"),
)

ETHNICITY = CodeList(
    "Ethnicity",
    (
        "White: English / Welsh / Scottish / Northern Irish / British",
        "White: Irish",
        "White: Gypsy or Irish Traveller",
        "White: Roma",
        "White: Any other White background",
        "Mixed / Multiple ethnic groups: White and Black Caribbean",
        "Mixed / Multiple ethnic groups: White and Black African",
        "Mixed / Multiple ethnic groups: White and Asian",
        "Mixed / Multiple ethnic groups: Any other Mixed / Multiple ethnic background",
        "Asian / Asian British: Indian",
        "Asian / Asian British: Pakistani",
        "Asian / Asian British: Bangladeshi",
        "Asian / Asian British: Chinese",
        "Asian / Asian British: Any other Asian background",
        "Black / African / Caribbean / Black British: African",
        "Black / African / Caribbean / Black British: Caribbean",
        "Black / African / Caribbean / Black British: Any other Black / African / Caribbean background",
        "Other ethnic group: Arab",
        "Other ethnic group: Any other ethnic group",
        "Refused",
        "Undeclared / Not known",
    ),
    (
        # the short NHS Data Dictionary names some systems export
        "White British",
        "White Irish",
        "Any other White background",
        "White and Black Caribbean",
        "White and Black African",
        "White and Asian",
        "Any other mixed background",
        "Indian",
        "Pakistani",
        "Bangladeshi",
        "Chinese",
        "Any other Asian background",
        "African",
        "Caribbean",
        "Any other Black background",
        "Arab",
        "Any other ethnic group",
        "Not stated",
        "Not known",
    ),
)

ACCOMMODATION_STATUS = CodeList(
    "Accommodation Status",
    (
        "Owner occupier or shared ownership scheme",
        "Tenant",
        "Tenant - Local Authority / Arms Length Management Organisation / Registered Social Landlord / "
        "Housing Association",
        "Tenant - private landlord",
        "Settled mainstream housing with family / friends",
        "Supported accommodation / supported lodgings / supported group home",
        "Shared Lives scheme",
        "Approved premises for offenders released from prison or under probation supervision",
        "Sheltered housing / extra care housing / other sheltered housing",
        "Mobile accommodation for Gypsy / Roma and Traveller communities",
        "Rough sleeper / squatting",
        "Night shelter / emergency hostel / direct access hostel",
        "Refuge",
        "Placed in temporary accommodation by the council",
        "Staying with family / friends as a short-term guest",
        "Acute / long-term healthcare residential facility or hospital",
        "Registered care home",
        "Registered nursing home",
        "Prison / Young offenders institution / detention centre",
        "Other temporary accommodation",
        "Unknown",
    ),
)

EMPLOYMENT_STATUS = CodeList(
    "Employment Status",
    (
        "Paid: Less than 16 hours a week",
        "Paid: 16 or more hours a week",
        "Paid: Hours per week unknown",
        "Not in Paid Employment (seeking work)",
        "Not in Paid Employment (not actively seeking work / retired)",
        "Not in Paid Employment (voluntary work only)",
        "Unknown",
    ),
)

YES_NO_UNKNOWN = CodeList("Yes/No/Unknown", ("Yes", "No", "Unknown"), ("Not known",))

ASSESSMENT_TYPE = CodeList(
    "Assessment Type",
    (
        "Long Term Support (Initial)",
        "Long Term Support (Review)",
        "Long Term Support (Re-assessment)",
        "Short Term Support",
        "Carer",
        "Long Term Support: First Assessment",
        "Long Term Support: Reassessment",
        "Short Term Support: Assessment",
        "Carer Assessment",
        "Joint Assessment",
        "Care Act Assessment",
        "Financial Assessment",
    ),
    (
        "Long term support: First assessment",
        "Long term support: Reassessment",
        "Short term support: Assessment",
        "Carer's assessment",
        "Joint assessment",
    ),
)

REVIEW_OUTCOMES = CodeList(
    "Review Outcomes Achieved",
    ("Fully achieved", "Partially achieved", "Not achieved", "Unknown"),
)

REVIEW_REASON = CodeList(
    "Review Reason",
    ("Planned", "Unplanned"),
    ("Planned review", "Unplanned review", "Planned Review", "Unplanned Review"),
)

# --- ContrOCC (ours) -------------------------------------------------------------------------
RATE_UNIT = CodeList("Rate Unit", ("Hour", "Day", "Night", "Session", "Week", "Unit"), blocking=True)
FUNDING_SOURCE = CodeList("Funding Source", ("LA", "Joint with NHS", "S117", "CHC"))
PAYMENT_STATUS = CodeList("Payment Status", ("Paid", "Reversed", "Held"), blocking=True)

# --- CQC -------------------------------------------------------------------------------------
CQC_RATING = CodeList(
    "CQC rating",
    (
        "Outstanding",
        "Good",
        "Requires improvement",
        "Inadequate",
        "Not Rated",
        "Insufficient evidence to rate",
        "Regulations met",
        "Not applicable",
    ),
    blocking=True,
)
CQC_DOMAIN = CodeList(
    "CQC domain", ("Overall", "Safe", "Effective", "Caring", "Responsive", "Well-led"), blocking=True
)
FLAG = CodeList("Flag (Y or blank)", ("Y",), blocking=True)
FLAG_SOFT = CodeList("Flag (Y or blank)", ("Y",))
YES_NO = CodeList("Y/N", ("Y", "N"))

# --- ASCS and council reference files --------------------------------------------------------
ASCS_AGE_BAND = CodeList("Age Band", ("18-64", "65+"), blocking=True)
ASCS_SETTING = CodeList("Support Setting", ("Community", "Residential", "Nursing"), blocking=True)
CARE_LADDER_RUNG = CodeList(
    "Care Ladder Rung", tuple(CARE_LADDER_RUNGS), blocking=True, case_sensitive=True
)
KPI_DIRECTION = CodeList("direction", ("higher_is_better", "lower_is_better"), blocking=True)
PROJECTION_AGE_BAND = CodeList("projection age band", PROJECTION_AGE_BANDS, blocking=True)
NATIONAL_MEASURE = CodeList("national comparator measure", tuple(NATIONAL_COMPARATOR_MEASURES), blocking=True)
NATIONAL_AGE_BAND = CodeList("age band (18-64, 65+)", tuple(dict.fromkeys(NATIONAL_COMPARATOR_MEASURES.values())),
                             blocking=True)

# (file type key, column) -> code list.  Columns of kind "code" not named here are free text to
# the gates (for example the ONS geography codes, checked by pattern instead).
FIELD_CODE_LISTS: dict[tuple[str, str], CodeList] = {
    ("las_cld", "Event Type"): EVENT_TYPE,
    ("las_cld", "Service Type"): SERVICE_TYPE,
    ("las_cld", "Service Component"): SERVICE_COMPONENT,
    ("las_cld", "Delivery Mechanism"): DELIVERY_MECHANISM,
    ("las_cld", "Primary Support Reason"): PRIMARY_SUPPORT_REASON,
    ("las_cld", "Event Outcome"): EVENT_OUTCOME,
    ("las_cld", "Client Type"): CLIENT_TYPE,
    ("las_cld", "Cost Frequency (Unit Type)"): COST_FREQUENCY,
    ("las_cld", "Request: Route of Access"): ROUTE_OF_ACCESS,
    ("las_cld", "Gender"): GENDER,
    ("las_cld", "Ethnicity"): ETHNICITY,
    ("las_cld", "Accommodation Status"): ACCOMMODATION_STATUS,
    ("las_cld", "Employment Status"): EMPLOYMENT_STATUS,
    ("las_cld", "Has Unpaid Carer"): YES_NO_UNKNOWN,
    ("las_cld", "Eligible Needs Identified"): YES_NO_UNKNOWN,
    ("las_cld", "Review Outcomes Achieved"): REVIEW_OUTCOMES,
    ("las_cld", "Assessment Type"): ASSESSMENT_TYPE,
    ("las_cld", "Review Reason"): REVIEW_REASON,
    ("controcc_service_lines", "Rate Unit"): RATE_UNIT,
    ("controcc_service_lines", "Funding Source"): FUNDING_SOURCE,
    ("controcc_payments", "Payment Status"): PAYMENT_STATUS,
    ("cqc_hsca_active_locations", "Location Latest Overall Rating"): CQC_RATING,
    ("cqc_hsca_active_locations", "Dormant (Y/N)"): YES_NO,
    ("cqc_hsca_active_locations", "Care home?"): YES_NO,
    ("cqc_latest_ratings", "Latest Rating"): CQC_RATING,
    ("cqc_latest_ratings", "Domain"): CQC_DOMAIN,
    ("cqc_latest_ratings", "Care Home?"): YES_NO,
    ("cqc_latest_ratings", "Inherited Rating (Y/N)"): YES_NO,
    ("ascs_responses", "Age Band"): ASCS_AGE_BAND,
    ("ascs_responses", "Support Setting"): ASCS_SETTING,
    ("element_rung_map", "Care Ladder Rung"): CARE_LADDER_RUNG,
    ("kpi_targets", "direction"): KPI_DIRECTION,
    ("prevalence_rates", "age_band"): PROJECTION_AGE_BAND,
    ("national_comparators", "measure"): NATIONAL_MEASURE,
    ("national_comparators", "age_band"): NATIONAL_AGE_BAND,
}


def code_list_for(file_key: str, column: str) -> CodeList | None:
    return FIELD_CODE_LISTS.get((file_key, column))


def is_valid(file_key: str, column: str, value: str | None) -> bool:
    """True when the value is blank, in its list, or the column has no list."""
    cl = code_list_for(file_key, column)
    return True if cl is None else cl.contains(value)
