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
