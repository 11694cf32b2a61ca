"""The generator's in-memory records (people, providers, service events, lines)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .geography import LocalAuthority

OPEN = 10**7  # ordinal used for "no end date yet"


@dataclass
class Person:
    pid: str
    nhs: str
    gender: str
    ethnicity: str
    dob: int
    band: str  # band the person was generated for (at the snapshot or when last seen)
    psr: str = "Physical Support: Personal care support"
    postcode: str = ""
    accommodation: str = "Owner occupier or shared ownership scheme"
    employment: str = "Not in Paid Employment (not actively seeking work / retired)"
    carer: str = "Unknown"
    funding: str = "Fully LA Funded"
    dod: int | None = None


@dataclass
class Location:
    loc_id: str
    name: str
    provider_id: str
    provider_name: str
    la: LocalAuthority
    postcode: str
    street: str
    kind: str  # nursing, residential, domiciliary, supported_living, extra_care, shared_lives
    beds: int
    bands: tuple[str, ...]
    start: int
    close: int = OPEN  # last day on the register
    ods: str = ""
    brand: tuple[str, str] = ("-", "-")
    ratings: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)  # (published, overall, 5 domains)

    def rating_at(self, day: int) -> tuple[int, str, tuple[str, ...]] | None:
        found = None
        for r in self.ratings:
            if r[0] <= day:
                found = r
            else:
                break
        return found


@dataclass
class Supplier:
    sid: str
    name: str
    rung: str
    la: LocalAuthority
    postcode: str
    open: int
    close: int = OPEN  # last day a line may be active
    location: Location | None = None
    quota: int = 0  # users at the snapshot
    out: bool = False  # based outside the council
    placement_la: str = ""  # where its care is delivered (ONS code)
    weight: float = 1.0


@dataclass
class Event:
    """A CLD event.  `end` is OPEN while open; `known_end` is the day the end became known."""

    etype: str  # Request, Assessment, Service, Review
    ref: str
    person: Person
    start: int
    end: int = OPEN
    outcome: str = ""
    route: str = ""
    assessment_type: str = ""
    eligible: str = ""
    service_type: str = ""
    component_r1: str = ""
    component_r2: str = ""
    delivery: str = ""
    location: Location | None = None
    review_reason: str = ""
    review_achieved: str = ""
    pieces: list["Piece"] = field(default_factory=list)  # funding lines (Service events)


@dataclass
class Piece:
    """One ContrOCC service agreement line."""

    agreement: str
    line_no: int
    event: Event | None
    person: Person
    element: tuple[str, str]
    supplier: Supplier
    start: int
    end: int  # OPEN when open-ended at the snapshot
    rate_p: int  # unit rate in pennies (a multiple of 4 for hourly rates)
    units_q: int  # planned units per week in quarters
    rate_unit: str
    funding: str = "LA"
    contribution_p: int = 0

    @property
    def weekly_p(self) -> int:
        """Weekly cost in pennies: exactly rate x units (rate_p * units_q is a multiple of 4)."""
        return self.rate_p * self.units_q // 4
