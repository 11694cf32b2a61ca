"""What every stage of the caseload builder shares: people, identifiers, prices and the
records (`Episode`, `Caseload`) the stages fill in."""
from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from .calibration import Targets
from .geography import LocalAuthority
from .market import Market
from .model import Event, Person, Piece, Supplier
from .rungs import APRIL_UPLIFTS, DEFAULT_UPLIFT, RungSpec
from .timeline import add_years, april_firsts

MONTH_DAYS = 30.4375

_ETHNICITY = (("White British", .74), ("Any other White background", .06), ("Caribbean", .03),
              ("African", .03), ("Pakistani", .02), ("Indian", .015), ("White and Black Caribbean", .02),
              ("Any other ethnic group", .02), ("White Irish", .01), ("Bangladeshi", .005),
              ("Undeclared / Not known", .04))
_TENURE = (("Owner occupier or shared ownership scheme", .45),
           ("Tenant - Local Authority / Arms Length Management Organisation / Registered Social Landlord / Housing Association", .33),
           ("Tenant - private landlord", .08), ("Settled mainstream housing with family / friends", .14))
ACCOMMODATION_BY_RUNG = {"Nursing": "Registered nursing home", "Residential": "Registered care home",
                  "Supported Accommodation": "Supported accommodation / supported lodgings / supported group home",
                  "Extra Care Housing": "Sheltered housing / extra care housing / other sheltered housing",
                  "Supported Living": "Supported accommodation / supported lodgings / supported group home",
                  "Adult Placement": "Shared Lives scheme"}
_EMPLOYMENT_1864 = (("Not in Paid Employment (not actively seeking work / retired)", .68),
                    ("Not in Paid Employment (seeking work)", .08), ("Paid: Less than 16 hours a week", .08),
                    ("Paid: 16 or more hours a week", .04), ("Not in Paid Employment (voluntary work only)", .05),
                    ("Unknown", .07))
MOVE_OUTCOME = "Progress to Support Planning / Services"


_CUM: dict[int, tuple[object, list[float]]] = {}


def choose(rng: np.random.Generator | random.Random, table) -> int:  # type: ignore[no-untyped-def]
    """Index drawn from a table of (value, weight, ...) rows."""
    hit = _CUM.get(id(table))
    if hit is None or hit[0] is not table:
        total = float(sum(t[1] for t in table))
        acc, cum = 0.0, []
        for t in table:
            acc += t[1] / total
            cum.append(acc)
        hit = (table, cum)
        _CUM[id(table)] = hit
    return min(bisect_right(hit[1], float(rng.random())), len(table) - 1)


def nhs_number(body: int) -> str:
    """A 10-digit number with a valid NHS modulus-11 check digit (body: 9 digits)."""
    digits = [int(c) for c in f"{body:09d}"]
    check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1))) % 11
    check = 0 if check == 11 else check
    if check == 10:
        return nhs_number(body + 1)
    return "".join(map(str, digits)) + str(check)


def adult_from(dob: int) -> int:
    """Day (ordinal) of the 18th birthday of someone born on day `dob`. Born on 29 February ->
    1 March (a day after `add_years`' 28 February: 18 is not a multiple of 4, so that year has
    no 29th), which is adult by either reading."""
    born = date.fromordinal(dob)
    return add_years(dob, 18) + ((born.month, born.day) == (2, 29))


@dataclass
class Episode:
    person: Person
    rung: str
    band: str
    start: int
    end: int  # OPEN when active at the snapshot
    outcome: str
    cost_p: int  # weekly cost in pennies at the price level of `price_day`
    supplier: Supplier
    out: bool
    addon: bool = False  # a second service of someone counted in another rung
    segments: list[tuple[int, int, Supplier]] = field(default_factory=list)
    changes: list[tuple[int, float]] = field(default_factory=list)  # review date, cost factor
    reviews: list[tuple[int, str]] = field(default_factory=list)  # review date, kind
    events: list[Event] = field(default_factory=list)


@dataclass
class Caseload:
    people: list[Person]
    events: list[Event]  # every CLD event
    pieces: list[Piece]  # every ContrOCC line
    episodes: list[Episode]


class CoreBuilder:
    """State shared by the stages; `caseload.Builder` runs them."""

    def __init__(self, council: LocalAuthority, targets: Targets, rng: np.random.Generator,
                 history_start: int, lines_start: int, end_day: int, kpi_targets: dict[str, tuple[float, float]]):
        self.council, self.t, self.rng = council, targets, rng
        self.r = random.Random(int(rng.integers(2**62)))  # fast scalar draws for the hot paths
        self.market: Market
        self.H, self.L, self.T = history_start, lines_start, end_day
        self.kpi_targets = kpi_targets
        self.people: list[Person] = []
        self.events: list[Event] = []
        self.pieces: list[Piece] = []
        self.episodes: list[Episode] = []
        self._pid = int(rng.integers(1_000_000, 2_000_000))
        self._nhs = int(rng.integers(400_000_000, 480_000_000))
        self._ev = 0
        self._agr = int(rng.integers(100_000, 200_000))
        self.unit_base: dict[str, int] = {}  # supplier -> base price in pennies at the snapshot
        self.cell_mean_p: dict[tuple[str, str], float] = {}
        self.psr_p: dict[tuple[str, str], np.ndarray] = {}
        self.p_out: dict[tuple[str, str], float] = {}
        self.hourly_price: dict[str, float] = {}
        self.dp_seq = 0
        self.closed: dict[str, list[Supplier]] = {}  # suppliers that close in the window, by rung

    # ---------------------------------------------------------------- people
    def person(self, band: str, age_on: tuple[int, int]) -> Person:
        """A new person whose age on day age_on[0] is age_on[1]."""
        r = self.r
        self._pid += r.randint(1, 39)
        self._nhs += r.randint(1, 4999)
        day, age = age_on
        dob = day - int(age * 365.25) - r.randrange(365)
        female = r.random() < (0.62 if band == "65+" else 0.46)
        if band == "65+":
            employment = "Not in Paid Employment (not actively seeking work / retired)" if r.random() < .95 else "Unknown"
        else:
            employment = _EMPLOYMENT_1864[choose(r, _EMPLOYMENT_1864)][0]
        u = r.random()
        p = Person(
            pid=str(self._pid), nhs="" if r.random() < 0.04 else nhs_number(self._nhs),
            gender="Female" if female else "Male", ethnicity=_ETHNICITY[choose(r, _ETHNICITY)][0],
            dob=dob, band=band, postcode=self._postcode(), employment=employment,
            carer="Yes" if u < .42 else "No" if u < .85 else "Unknown",
            accommodation=_TENURE[choose(r, _TENURE)][0],
        )
        self.people.append(p)
        return p

    def _postcode(self) -> str:
        r = self.r
        area = self.council.postcode_area or "XX"
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        return f"{area}{r.randint(1, 16)} {r.randint(1, 9)}{r.choice(letters)}{r.choice(letters)}"

    def event_ref(self, prefix: str) -> str:
        self._ev += 1
        return f"{prefix}{self._ev:08d}"

    def agreement_id(self) -> str:
        self._agr += 1
        return f"SA{self._agr:07d}"

    def age_for(self, rung: str, band: str) -> int:
        r = self.r
        if band == "65+":
            mean = {"Nursing": 86, "Residential": 85, "Home Care": 82, "Extra Care Housing": 80,
                    "Direct Payments": 75, "Day Care": 80}.get(rung, 73)
            return int(min(104, max(65, r.gauss(mean, 7))))
        if rung in ("Supported Living", "Adult Placement", "Day Care", "Residential"):
            return int(min(64, max(18, 19 + r.gammavariate(2.0, 9.0))))
        return r.randint(25, 64)

    # ---------------------------------------------------------------- prices
    def price_factor(self, day: int) -> float:
        """Price level on `day` relative to the snapshot (1.0 after the last April uplift)."""
        f = 1.0
        if day >= self.T:
            return f
        for a in april_firsts(day, self.T):
            f /= 1.0 + APRIL_UPLIFTS.get(date.fromordinal(a).year, DEFAULT_UPLIFT)
        return f

    def base_price_p(self, spec: RungSpec, sup: Supplier) -> int:
        if sup.sid not in self.unit_base:
            price = self.hourly_price.get(spec.rung, spec.unit_price) * float(self.rng.uniform(0.94, 1.06))
            step = 4 if spec.rate_unit == "Hour" else 1
            self.unit_base[sup.sid] = max(step, int(round(price * 100 / step)) * step)
        return self.unit_base[sup.sid]

    def rate_units(self, spec: RungSpec, cost_p: float, sup: Supplier, level: float) -> tuple[int, int]:
        """(rate in pennies, units in quarters) for a weekly cost at a price level."""
        if spec.rate_unit == "Hour":
            rate = max(4, int(round(self.base_price_p(spec, sup) * level / 4)) * 4)
            hours_q = max(2, int(round(cost_p / rate * 4)))
            return rate, hours_q
        if spec.rate_unit == "Session":
            base = self.base_price_p(spec, sup) * level
            sessions = int(min(10, max(1, round(cost_p / base))))
            return max(1, int(round(cost_p / sessions))), sessions * 4
        return max(1, int(round(cost_p))), 4

    def dp_supplier(self) -> Supplier:
        self.dp_seq += 1
        c = self.council
        return Supplier(sid=f"DPR{self.dp_seq:06d}", name="Direct Payment Recipient", rung="Direct Payments",
                        la=c, postcode="", open=0, placement_la=c.code)

    def _first_packages(self) -> list[Episode]:
        first: dict[int, Episode] = {}
        for ep in self.episodes:
            k = id(ep.person)
            if k not in first or ep.start < first[k].start:
                first[k] = ep
        return [e for e in first.values() if e.start > self.H]
