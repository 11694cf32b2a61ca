"""CQC monthly files: the HSCA Active Locations sheet and the Latest ratings Locations sheet."""
from __future__ import annotations

from collections.abc import Iterator

from sources.contracts import CQC_LATEST_RATINGS

from .cqc_header import HSCA_ACTIVE_LOCATIONS_HEADER
from .extracts import render, stable_fraction
from .geography import NHS_REGIONS
from .model import Location
from .timeline import dmy, last_day, mdy

KIND = {  # kind -> (care home?, primary inspection category, service types, regulated activities, ratings group)
    "nursing": ("Y", "Residential social care", ("Care home service with nursing",),
                ("Accommodation for persons who require nursing or personal care", "Nursing care",
                 "Treatment of disease, disorder or injury"), "Care Homes"),
    "residential": ("Y", "Residential social care", ("Care home service without nursing",),
                    ("Accommodation for persons who require nursing or personal care",), "Care Homes"),
    "domiciliary": ("N", "Community based adult social care services", ("Domiciliary care service",),
                    ("Personal care",), "Homecare"),
    "supported_living": ("N", "Community based adult social care services",
                         ("Supported living service", "Domiciliary care service"), ("Personal care",), "Supported Living"),
    "extra_care": ("N", "Community based adult social care services",
                   ("Extra Care housing services", "Domiciliary care service"), ("Personal care",), "Homecare"),
    "shared_lives": ("N", "Community based adult social care services", ("Shared Lives",), ("Personal care",), ""),
}
DOMAINS = ("Safe", "Effective", "Caring", "Responsive", "Well-led")
_IDX = {name: i for i, name in enumerate(HSCA_ACTIVE_LOCATIONS_HEADER)}


def _ccg(loc: Location) -> tuple[str, str]:
    n = int(loc.la.code[-3:]) % 200
    return f"E38000{n:03d}", f"NHS {loc.la.cqc_name} CCG"


def _city(loc: Location) -> str:
    return loc.la.cqc_name.replace(", City of", "")


def on_register(loc: Location, day: int) -> bool:
    return loc.start <= day <= loc.close


def ratings_case(loc: Location, rating: str) -> str:
    """Real files spell `Requires improvement` and, in some rows, `Requires Improvement`."""
    if rating == "Requires improvement" and stable_fraction(loc.loc_id) < 0.3:
        return "Requires Improvement"
    return rating


class CqcWriter:
    hsca_header = list(HSCA_ACTIVE_LOCATIONS_HEADER)
    ratings_header = CQC_LATEST_RATINGS.column_names

    def __init__(self, locations: list[Location]):
        self.locations = sorted(locations, key=lambda x: x.loc_id)
        self._templates: dict[str, list[str]] = {}
        self._hsca_cache: dict[tuple[str, int], str] = {}
        self._ratings_cache: dict[tuple[str, int], list[str]] = {}

    def _template(self, loc: Location) -> list[str]:
        t = self._templates.get(loc.loc_id)
        if t is not None:
            return t
        care_home, category, services, activities, _ = KIND[loc.kind]
        ccg_code, ccg_name = _ccg(loc)
        row = [""] * len(HSCA_ACTIVE_LOCATIONS_HEADER)
        values = {
            "Location ID": loc.loc_id, "Location HSCA start date": dmy(loc.start), "Dormant (Y/N)": "N",
            "Care home?": care_home, "Location Name": loc.name, "Location ODS Code": loc.ods,
            "Care homes beds": str(loc.beds), "Location Type/Sector": "Social Care Org",
            "Location Inspection Directorate": "Adult social care", "Location Primary Inspection Category": category,
            "Inherited Rating (Y/N)": "N", "Location Region": loc.la.region_name,
            "Location NHS Region": NHS_REGIONS.get(loc.la.region, ""), "Location Local Authority": loc.la.cqc_name,
            "Location ONSPD CCG Code": ccg_code, "Location ONSPD CCG": ccg_name,
            "Location Street Address": loc.street, "Location City": _city(loc), "Location Postal Code": loc.postcode,
            "Brand ID": loc.brand[0], "Brand Name": loc.brand[1], "Provider ID": loc.provider_id,
            "Provider Name": loc.provider_name, "Provider HSCA start date": dmy(loc.start),
            "Provider Type/Sector": "Social Care Org", "Provider Inspection Directorate": "Adult social care",
            "Provider Primary Inspection Category": category, "Provider Ownership Type": "Organisation",
            "Provider Street Address": loc.street, "Provider City": _city(loc), "Provider Postal Code": loc.postcode,
            "Provider Local Authority": loc.la.cqc_name, "Provider Region": loc.la.region_name,
            "Provider NHS Region": NHS_REGIONS.get(loc.la.region, ""), "Location Dual Registered": "",
        }
        for a in activities:
            values[f"Regulated activity - {a}"] = "Y"
        for s in services:
            values[f"Service type - {s}"] = "Y"
        for b in loc.bands:
            values[f"Service user band - {b}"] = "Y"
        for k, v in values.items():
            row[_IDX[k]] = v
        self._templates[loc.loc_id] = row
        return row

    def hsca_lines(self, ym: tuple[int, int]) -> Iterator[str]:
        """Rendered rows of the register on the month's last day (cached per location and rating)."""
        day = last_day(ym)
        i_rating, i_pub = _IDX["Location Latest Overall Rating"], _IDX["Publication Date"]
        for loc in self.locations:
            if not on_register(loc, day):
                continue
            r = loc.rating_at(day)
            key = (loc.loc_id, r[0] if r else 0)
            line = self._hsca_cache.get(key)
            if line is None:
                row = list(self._template(loc))
                if r is not None:
                    row[i_rating], row[i_pub] = r[1], dmy(r[0])
                line = self._hsca_cache[key] = render(row)
            yield line

    def ratings_lines(self, ym: tuple[int, int]) -> Iterator[str]:
        day = last_day(ym)
        for loc in self.locations:
            if not on_register(loc, day):
                continue
            r = loc.rating_at(day)
            if r is None:
                continue
            key = (loc.loc_id, r[0])
            lines = self._ratings_cache.get(key)
            if lines is None:
                lines = self._ratings_cache[key] = [render(row) for row in self._ratings_rows(loc, r)]
            yield from lines

    @staticmethod
    def _ratings_rows(loc: Location, r: tuple[int, str, tuple[str, ...]]) -> Iterator[list[str]]:
        care_home, category, _, _, group = KIND[loc.kind]
        ccg_code, ccg_name = _ccg(loc)
        base = [loc.loc_id, loc.ods, loc.name, care_home, "Social Care Org", category, loc.street, "",
                _city(loc), loc.postcode, loc.la.cqc_name, loc.la.region_name,
                NHS_REGIONS.get(loc.la.region, ""), ccg_code, ccg_name, "", ""]
        tail = [mdy(r[0]), "Location", "N", f"http://www.cqc.org.uk/location/{loc.loc_id}",
                loc.provider_id, loc.provider_name, loc.brand[0], loc.brand[1]]
        groups = ["Overall"]
        if group and stable_fraction(loc.loc_id + "g") < 0.1:
            groups.append(group)
        for g in groups:
            yield base + [g, "Overall", ratings_case(loc, r[1])] + tail
            for d, rating in zip(DOMAINS, r[2]):
                yield base + [g, d, ratings_case(loc, rating)] + tail
