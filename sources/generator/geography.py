"""Local authorities the generator knows: ONS code and name, CQC's name, region, census figures.

Social-care authorities (upper tier: unitaries, metropolitan and London boroughs, counties) are
what CQC names in `Location Local Authority`, so the ONS files carry the same authorities (see
README: real `ltla` files list the districts of two-tier counties instead).  Populations are the
published 2011 and 2021 census counts rounded to the hundred; `disabled_pct` is the Census 2021
share of residents disabled under the Equality Act (for the authorities added at the end of the
table so that a scale run reaches 50 councils, approximate figures of the right size).
"""
from __future__ import annotations

from dataclasses import dataclass

REGIONS: dict[str, tuple[str, str]] = {  # code -> (ONS name, CQC name)
    "E12000001": ("North East", "North East"),
    "E12000002": ("North West", "North West"),
    "E12000003": ("Yorkshire and The Humber", "Yorkshire and The Humber"),
    "E12000004": ("East Midlands", "East Midlands"),
    "E12000005": ("West Midlands", "West Midlands"),
    "E12000006": ("East of England", "East"),
    "E12000007": ("London", "London"),
    "E12000008": ("South East", "South East"),
    "E12000009": ("South West", "South West"),
}
NHS_REGIONS: dict[str, str] = {
    "E12000001": "North East and Yorkshire", "E12000002": "North West",
    "E12000003": "North East and Yorkshire", "E12000004": "Midlands", "E12000005": "Midlands",
    "E12000006": "East of England", "E12000007": "London", "E12000008": "South East",
    "E12000009": "South West",
}


@dataclass(frozen=True)
class LocalAuthority:
    code: str
    ons_name: str
    cqc_name: str
    region: str
    pop_2011: int
    pop_2021: int
    disabled_pct: float
    postcode_area: str
    young_profile: float = 0.0  # 0 typical, 1 a student city (more 20-34 year olds)

    @property
    def region_name(self) -> str:
        return REGIONS[self.region][1]


ENGLAND = LocalAuthority("E92000001", "England", "England", "", 53_012_500, 56_489_800, 17.3, "")
ENGLAND_AND_WALES = LocalAuthority(
    "K04000001", "England and Wales", "England and Wales", "", 56_075_900, 59_597_300, 17.8, ""
)

_SW = "E12000009"
LOCAL_AUTHORITIES: tuple[LocalAuthority, ...] = (
    LocalAuthority("E06000023", "Bristol, City of", "Bristol", _SW, 428_200, 472_500, 19.4, "BS", 1.0),
    LocalAuthority("E06000022", "Bath and North East Somerset", "Bath and North East Somerset", _SW, 176_000, 193_400, 17.5, "BA", 0.6),
    LocalAuthority("E06000024", "North Somerset", "North Somerset", _SW, 202_600, 216_700, 19.6, "BS"),
    LocalAuthority("E06000025", "South Gloucestershire", "South Gloucestershire", _SW, 262_800, 290_400, 16.9, "BS"),
    LocalAuthority("E06000026", "Plymouth", "Plymouth", _SW, 256_600, 264_700, 21.6, "PL", 0.5),
    LocalAuthority("E06000027", "Torbay", "Torbay", _SW, 131_000, 139_300, 23.3, "TQ"),
    LocalAuthority("E06000030", "Swindon", "Swindon", _SW, 209_200, 233_400, 16.6, "SN"),
    LocalAuthority("E06000052", "Cornwall", "Cornwall", _SW, 532_300, 570_300, 21.4, "TR"),
    LocalAuthority("E06000053", "Isles of Scilly", "Isles of Scilly", _SW, 2_200, 2_100, 16.0, "TR"),
    LocalAuthority("E06000054", "Wiltshire", "Wiltshire", _SW, 471_000, 510_400, 17.0, "SN"),
    LocalAuthority("E06000058", "Bournemouth, Christchurch and Poole", "Bournemouth, Christchurch and Poole", _SW, 371_000, 400_300, 19.2, "BH", 0.3),
    LocalAuthority("E06000059", "Dorset", "Dorset", _SW, 359_400, 379_600, 20.3, "DT"),
    LocalAuthority("E06000066", "Somerset", "Somerset", _SW, 529_900, 571_600, 20.4, "TA"),
    LocalAuthority("E10000008", "Devon", "Devon", _SW, 746_400, 811_600, 19.6, "EX"),
    LocalAuthority("E10000013", "Gloucestershire", "Gloucestershire", _SW, 596_900, 645_100, 17.4, "GL"),
    # a sample of other English social-care authorities (comparators, out-of-area placements,
    # and the councils of a multi-council scale run)
    LocalAuthority("E08000025", "Birmingham", "Birmingham", "E12000005", 1_073_000, 1_144_900, 17.6, "B", 0.6),
    LocalAuthority("E10000034", "Worcestershire", "Worcestershire", "E12000005", 566_200, 603_900, 17.9, "WR"),
    LocalAuthority("E06000019", "Herefordshire, County of", "Herefordshire", "E12000005", 183_500, 187_100, 19.0, "HR"),
    LocalAuthority("E08000026", "Coventry", "Coventry", "E12000005", 316_900, 345_300, 17.7, "CV", 0.8),
    LocalAuthority("E10000025", "Oxfordshire", "Oxfordshire", "E12000008", 653_800, 725_300, 15.1, "OX", 0.4),
    LocalAuthority("E10000014", "Hampshire", "Hampshire", "E12000008", 1_317_800, 1_400_900, 16.6, "SO"),
    LocalAuthority("E06000038", "Reading", "Reading", "E12000008", 155_700, 174_200, 14.6, "RG", 0.4),
    LocalAuthority("E06000043", "Brighton and Hove", "Brighton and Hove", "E12000008", 273_400, 277_100, 18.7, "BN", 0.9),
    LocalAuthority("E06000045", "Southampton", "Southampton", "E12000008", 236_900, 249_000, 17.9, "SO", 0.8),
    LocalAuthority("E06000044", "Portsmouth", "Portsmouth", "E12000008", 205_100, 208_100, 18.5, "PO", 0.7),
    LocalAuthority("E10000016", "Kent", "Kent", "E12000008", 1_463_700, 1_576_100, 17.9, "ME"),
    LocalAuthority("E08000035", "Leeds", "Leeds", "E12000003", 751_500, 812_000, 17.1, "LS", 0.7),
    LocalAuthority("E08000003", "Manchester", "Manchester", "E12000002", 503_100, 552_000, 17.7, "M", 1.0),
    LocalAuthority("E08000012", "Liverpool", "Liverpool", "E12000002", 466_400, 486_100, 22.1, "L", 0.8),
    LocalAuthority("E06000016", "Leicester", "Leicester", "E12000004", 329_800, 368_600, 16.0, "LE", 0.7),
    LocalAuthority("E06000018", "Nottingham", "Nottingham", "E12000004", 305_700, 323_700, 18.3, "NG", 1.0),
    LocalAuthority("E10000019", "Lincolnshire", "Lincolnshire", "E12000004", 713_700, 768_400, 20.5, "LN"),
    LocalAuthority("E08000021", "Newcastle upon Tyne", "Newcastle upon Tyne", "E12000001", 280_200, 300_200, 18.6, "NE", 1.0),
    LocalAuthority("E06000047", "County Durham", "County Durham", "E12000001", 513_200, 522_100, 22.8, "DH"),
    LocalAuthority("E10000020", "Norfolk", "Norfolk", "E12000006", 857_900, 916_100, 19.9, "NR"),
    LocalAuthority("E10000003", "Cambridgeshire", "Cambridgeshire", "E12000006", 621_200, 678_800, 15.9, "CB", 0.4),
    LocalAuthority("E10000012", "Essex", "Essex", "E12000006", 1_393_600, 1_503_300, 17.6, "CM"),
    LocalAuthority("E09000007", "Camden", "Camden", "E12000007", 220_300, 210_100, 14.1, "NW", 0.8),
    LocalAuthority("E09000008", "Croydon", "Croydon", "E12000007", 363_400, 390_800, 14.8, "CR"),
    # more authorities so that a scale run can reach 50 councils (figures approximate)
    LocalAuthority("E08000019", "Sheffield", "Sheffield", "E12000003", 552_700, 556_500, 19.5, "S", 0.8),
    LocalAuthority("E08000032", "Bradford", "Bradford", "E12000003", 522_500, 546_400, 17.5, "BD"),
    LocalAuthority("E08000036", "Wakefield", "Wakefield", "E12000003", 325_800, 353_300, 20.9, "WF"),
    LocalAuthority("E08000016", "Barnsley", "Barnsley", "E12000003", 231_200, 244_600, 22.0, "S"),
    LocalAuthority("E06000014", "York", "York", "E12000003", 198_100, 202_800, 17.0, "YO", 0.6),
    LocalAuthority("E08000007", "Stockport", "Stockport", "E12000002", 283_300, 294_800, 18.0, "SK"),
    LocalAuthority("E08000009", "Trafford", "Trafford", "E12000002", 226_600, 235_100, 15.7, "M"),
    LocalAuthority("E08000010", "Wigan", "Wigan", "E12000002", 317_800, 329_300, 20.4, "WN"),
    LocalAuthority("E10000017", "Lancashire", "Lancashire", "E12000002", 1_171_300, 1_235_300, 20.6, "PR"),
    LocalAuthority("E10000018", "Leicestershire", "Leicestershire", "E12000004", 650_500, 712_300, 16.6, "LE"),
    LocalAuthority("E10000024", "Nottinghamshire", "Nottinghamshire", "E12000004", 785_800, 824_800, 19.6, "NG"),
    LocalAuthority("E06000015", "Derby", "Derby", "E12000004", 248_800, 261_400, 18.0, "DE"),
    LocalAuthority("E10000031", "Warwickshire", "Warwickshire", "E12000005", 545_500, 596_800, 16.9, "CV"),
    LocalAuthority("E10000028", "Staffordshire", "Staffordshire", "E12000005", 848_500, 876_100, 19.4, "ST"),
    LocalAuthority("E06000021", "Stoke-on-Trent", "Stoke-on-Trent", "E12000005", 249_000, 258_400, 21.0, "ST"),
)
BY_CODE: dict[str, LocalAuthority] = {la.code: la for la in LOCAL_AUTHORITIES}


def authority(code: str) -> LocalAuthority:
    try:
        return BY_CODE[code]
    except KeyError:
        raise ValueError(f"unknown local authority code {code!r}; known: {', '.join(BY_CODE)}") from None


def councils_for_run(first: str, n: int) -> list[LocalAuthority]:
    """The first council, then the next n-1 authorities of the table (scale runs)."""
    first_la = authority(first)
    others = [la for la in LOCAL_AUTHORITIES if la.code != first]
    if n < 1 or n > len(others) + 1:
        raise ValueError(f"--councils must be 1..{len(others) + 1}")
    return [first_la, *others[: n - 1]]


def neighbours(council: LocalAuthority) -> list[tuple[LocalAuthority, float]]:
    """Authorities that host the council's out-of-area placements, with weights."""
    same = [la for la in LOCAL_AUTHORITIES if la.region == council.region and la.code != council.code]
    near = {"E06000025": 6.0, "E06000024": 5.0, "E06000022": 2.5, "E06000066": 2.0,
            "E10000013": 2.0, "E06000054": 1.2}
    out = [(la, near.get(la.code, 0.6) if council.code == "E06000023" else 1.0) for la in same]
    out = [(la, w) for la, w in out if la.pop_2021 > 10_000]
    others = [la for la in LOCAL_AUTHORITIES if la.region != council.region][:4]
    out += [(la, 0.4) for la in others]
    return out
