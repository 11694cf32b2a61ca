"""Column roles: which published columns are counts of people, how each is rounded, its label,
and which columns are never published (pure functions)."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

# Counts of people (or of packages/lines/placements, which are people-level): suppressed at 1-4.
PEOPLE_COLUMNS = frozenset({
    "service_users", "people", "admissions", "packages", "active_lines", "out_of_area_placements",
    "population", "pop_65_plus", "pop_75_plus", "pop_85_plus", "population_2021",
})
_PEOPLE_PATTERN = re.compile(
    r"(^|_)(service_users|users|people|persons|admissions|packages|clients|respondents|placements|"
    r"lines|carers|reviews)($|_)"
)
# Never published, whatever a mart holds: person-level identifiers and postcodes, lineage, and
# the council key (a pack is one council's: its code is in the manifest, not on every row).
_DENY_PATTERN = re.compile(
    r"(person|nhs|date_of_birth|dob|postcode|post_code|unique_identifier|event_reference|"
    r"service_agreement|^_|^council_code$)", re.IGNORECASE
)

KINDS: dict[str, str] = {
    "month": "date", "financial_year": "text", "care_ladder_rung": "text", "tier": "count",
    "age_band": "text", "kpi_code": "text", "client_category": "text", "service_type": "text",
    "area_code": "text", "area_name": "text", "location_id": "text", "change": "text", "rag": "text",
    "year": "year", "hhi": "index", "weekly_hours": "hours", "per_100k": "rate",
    "single_supplier_dependency": "flag", "growth_2011_2021_pct": "pct", "disabled_pct_2021": "pct",
    "lot": "text",
}

LABELS: dict[str, str] = {
    "financial_year": "Financial year", "care_ladder_rung": "Care ladder rung", "tier": "Tier",
    "age_band": "Age band", "service_users": "Service users (people)", "active_lines": "Active service lines",
    "weekly_cost": "Weekly cost (£)", "spend": "Spend in month (£)", "pct_spend": "% of Tier 3 spend",
    "pct_activity": "% of Tier 3 activity", "weekly_hours": "Planned hours per week",
    "providers": "Providers", "providers_in_area": "Providers based in the area",
    "top5_share_pct": "Top 5 providers' share of spend (%)", "hhi": "HHI (0-10,000)",
    "largest_supplier_share_pct": "Largest provider's share (%)",
    "single_supplier_dependency": "Single-provider dependency (share ≥ 33.3%)",
    "out_of_area_placements": "Placements outside the area", "client_category": "Client category",
    "people": "People", "package_cost": "Package cost (£)", "average_cost": "Average cost per person (£)",
    "service_type": "Service type", "area_code": "Area code", "area_name": "Area",
    "locations": "Locations", "beds": "Beds", "rated_locations": "Rated locations",
    "pct_good_or_better": "% rated Good or Outstanding", "location_id": "CQC location ID",
    "location_name": "Location name", "change": "Change", "population_2021": "Population (Census 2021)",
    "disabled_pct_2021": "% disabled (Equality Act, 2021)", "growth_2011_2021_pct": "Population growth 2011-2021 (%)",
    "year": "Year", "pop_65_plus": "Population 65+", "pop_75_plus": "Population 75+", "pop_85_plus": "Population 85+",
    "admissions": "Admissions (people)", "population": "Population", "per_100k": "Per 100,000 population",
    "england_per_100k": "England per 100,000",
    "packages": "Packages (people)", "kpi_code": "KPI code", "kpi": "KPI", "value": "Value", "target": "Target",
    "rag": "RAG", "numerator": "Numerator", "denominator": "Denominator", "unit": "Unit", "month": "Month",
    "direction": "Direction", "market_note": "Market note",
    "status": "Status", "population_year": "Population year (mid-year estimate)",
    "definition": "Definition", "source": "Source",
    "target_18_64": "Target 18-64", "target_65_plus": "Target 65+",
    # readable xlsx headers for every other column a published mart has (the CSVs keep the names)
    "lot": "Lot", "service": "Service", "client_group": "Client group", "months_loaded": "Months loaded",
    "provider_id": "CQC provider ID", "provider_name": "Provider name", "is_care_home": "Care home",
    "is_dormant": "Dormant", "seen_month": "Month seen in the CQC file", "area_type": "Area type",
    "outstanding": "Rated Outstanding", "good": "Rated Good", "requires_improvement": "Rated Requires improvement",
    "inadequate": "Rated Inadequate", "pct_outstanding": "% rated Outstanding", "pct_good": "% rated Good",
    "pct_requires_improvement": "% rated Requires improvement", "pct_inadequate": "% rated Inadequate",
    "dormant_locations": "Dormant locations", "population_65_plus_2021": "Population 65+ (Census 2021)",
    "disabled_2021": "Disabled people (Equality Act, 2021)", "mye_population_2011": "Population 2011 (mid-year estimate)",
    "mye_population_2021": "Population 2021 (mid-year estimate)", "pop_all_ages": "Population, all ages",
    "largest_supplier_id": "Largest provider (pseudonymised ID)", "reviews_completed": "Reviews completed",
    "packages_reduced": "Packages reduced", "packages_increased": "Packages increased",
    "packages_same": "Packages unchanged", "weekly_cost_before": "Weekly cost before review (£)",
    "weekly_cost_after": "Weekly cost after review (£)", "weekly_cost_change": "Change in weekly cost (£)",
    # the statutory returns preview (statutory.py) and the projections (projections.py)
    "measure": "Measure", "breakdown": "Breakdown", "england_method": "NHS England's CLD method",
    "ascw_method": "Ours (ascw)", "counted_by": "Counted by", "reason": "Reason",
    "difference": "Share of ascw - NHS England", "scenario": "Scenario", "base_month": "Base month",
    "projection_year": "Projection year", "base_population": "Population in the base year",
    "projected_population": "Projected population", "base_service_users": "Service users in the base month (people)",
    "use_rate_per_1000": "Service users per 1,000 population", "projected_service_users": "Projected service users (people)",
    "avg_weekly_cost": "Average weekly cost per person (£)", "projected_annual_cost": "Projected annual cost (£)",
    "delta_service_users": "Change in service users against the baseline (people)",
    "delta_annual_cost": "Change in annual cost against the baseline (£)",
    "ascof_measure": "ASCOF measure",
    "england_source": "England figure's source", "rate_pct": "Prevalence rate (%)", "rate_source": "Rate's source",
}


def is_published_column(name: str) -> bool:
    return not _DENY_PATTERN.search(name)


def is_people_column(name: str) -> bool:
    return name in PEOPLE_COLUMNS or bool(_PEOPLE_PATTERN.search(name))


def infer_kind(name: str, sample: Any = None) -> str:
    """Rounding kind of a column from its name (and a sample value when the name says nothing)."""
    if name in KINDS:
        return KINDS[name]
    if name.endswith("_year") and not name.startswith("financial"):
        return "year"
    if "pct" in name or "percent" in name or name.endswith("_share"):
        return "pct"
    if name.endswith("_id") or name.endswith("_name") or name.endswith("_code"):
        return "text"
    if "per_100k" in name or name.endswith("_rate"):
        return "rate"
    if "hours" in name:
        return "hours"
    if any(w in name for w in ("cost", "spend", "amount", "price", "gbp")):
        return "money"
    if isinstance(sample, bool):
        return "flag"
    if isinstance(sample, (dt.date, dt.datetime)):
        return "date"
    if isinstance(sample, (int, float, Decimal)):
        return "count"
    return "text"


def label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


def is_derived_candidate(name: str) -> bool:
    """A rate/average/share that is built on a count (used when a mart's columns are not known)."""
    return "pct" in name or "average" in name or "avg" in name or "per_100k" in name or "rate" in name
