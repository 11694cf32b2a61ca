"""Providers: ContrOCC suppliers per care-ladder market and the CQC register they sit on."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .calibration import Targets, top_shares
from .geography import LOCAL_AUTHORITIES, LocalAuthority, neighbours
from .model import OPEN, Location, Supplier
from .rungs import TIER3_BY_RUNG
from .timeline import add_years, last_day, month_of

_PLACES = ("Ashley", "Redland", "Clifton", "Henleaze", "Fishponds", "Stapleton", "Brislington",
           "Knowle", "Bishopsworth", "Horfield", "Westbury", "Stoke Bishop", "Eastville", "Kingswood",
           "Hanham", "Frenchay", "Cotham", "Montpelier", "Totterdown", "Hengrove", "Avonmouth",
           "Lawrence Weston", "Southmead", "Filton", "Easton", "St George", "Bedminster", "Windmill",
           "Kingsdown", "Sea Mills", "Shirehampton", "Lockleaze", "Whitchurch", "Stockwood")
_TREES = ("Oak", "Willow", "Beech", "Cedar", "Elm", "Rowan", "Hazel", "Maple", "Linden", "Holly",
          "Laurel", "Birch", "Ash", "Yew", "Poplar", "Chestnut", "Juniper", "Alder", "Hawthorn")
_HOME_SUFFIX = ("House", "Lodge", "Court", "Manor", "Grange", "Gardens", "View", "Park", "Hall", "Villa")
_AGENCY = ("Home Care", "Care Services", "Homecare", "Support Services", "Community Care", "Care at Home")
_CHAINS = ("Severn Vale Care Ltd", "Kingsdown Healthcare Homes Ltd", "Avon Gorge Living Ltd",
           "Westcountry Care Group Ltd", "Meridian Supported Living CIC", "Harbourside Care Ltd",
           "Brunel Homecare Partnership Ltd", "Cabot Care Homes Ltd")
_STREETS = ("Road", "Street", "Lane", "Avenue", "Close", "Way", "Hill", "Grove", "Crescent")

KIND_RUNG = {"nursing": "Nursing", "residential": "Residential", "supported_living": "Supported Living",
             "extra_care": "Extra Care Housing", "domiciliary": "Home Care", "shared_lives": "Adult Placement"}
_FILLER_KINDS = (("residential", 0.30), ("nursing", 0.14), ("domiciliary", 0.40),
                 ("supported_living", 0.13), ("extra_care", 0.03))
# rating transitions at re-inspection (overall)
_RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")
_TRANSITION = {"Outstanding": (.50, .45, .05, .0), "Good": (.03, .79, .16, .02),
               "Requires improvement": (.0, .45, .48, .07), "Inadequate": (.0, .20, .60, .20)}
_FIRST = (.03, .72, .21, .04)


@dataclass
class Market:
    council: LocalAuthority
    suppliers: dict[str, list[Supplier]]
    locations: list[Location]
    reablement: Supplier
    respite: list[Supplier] = field(default_factory=list)
    shared_lives_schemes: list[Supplier] = field(default_factory=list)
    _seq: list[int] = field(default_factory=lambda: [0])

    def new_sid(self, prefix: str = "SUP") -> str:
        self._seq[0] += 1
        return f"{prefix}{self._seq[0]:05d}"


class Namer:
    """Deterministic provider names, postcodes and identifiers."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used_ids: set[str] = set()
        self.used_names: set[str] = set()
        self.providers: dict[str, str] = {}

    def pick(self, seq):  # type: ignore[no-untyped-def]
        return seq[int(self.rng.integers(len(seq)))]

    def cqc_id(self) -> str:
        while True:
            x = f"1-{int(self.rng.integers(100_000_000, 19_999_999_999))}"
            if x not in self.used_ids:
                self.used_ids.add(x)
                return x

    def ods(self) -> str:
        letters = "ABCDEFGHJKLMNPQRSTUVWXY0123456789"
        return "V" + "".join(self.pick(letters) for _ in range(4))

    def postcode(self, la: LocalAuthority) -> str:
        area = la.postcode_area or "BS"
        district = int(self.rng.integers(1, 17 if area == "BS" and la.code == "E06000023" else 40))
        if area == "BS" and la.code == "E06000024":
            district = int(self.rng.integers(20, 50))
        elif area == "BS" and la.code == "E06000025":
            district = int(self.rng.integers(30, 38))
        return f"{area}{district} {int(self.rng.integers(1, 10))}{self.pick('ABDEFGHJLNPQRSTUWXYZ')}{self.pick('ABDEFGHJLNPQRSTUWXYZ')}"

    def street(self) -> str:
        return f"{int(self.rng.integers(1, 240))} {self.pick(_PLACES)} {self.pick(_STREETS)}"

    def name(self, kind: str) -> str:
        for _ in range(50):
            if kind in ("residential", "nursing"):
                n = f"{self.pick(_TREES + _PLACES)} {self.pick(_HOME_SUFFIX)}"
                if kind == "nursing" and self.rng.random() < 0.4:
                    n += " Nursing Home"
            elif kind == "domiciliary":
                n = f"{self.pick(_PLACES + _TREES)} {self.pick(_AGENCY)}"
            elif kind == "supported_living":
                n = f"{self.pick(_PLACES)} Supported Living Service"
            elif kind == "extra_care":
                n = f"{self.pick(_TREES)} {self.pick(('Court', 'Gardens', 'Place'))} Extra Care"
            elif kind == "shared_lives":
                n = f"{self.pick(_PLACES)} Shared Lives Scheme"
            else:
                n = f"{self.pick(_PLACES)} {self.pick(('Day Centre', 'Day Opportunities', 'Resource Centre', 'Community Hub'))}"
            if n not in self.used_names:
                self.used_names.add(n)
                return n
            n = f"{n} {int(self.rng.integers(2, 99))}"
            if n not in self.used_names:
                self.used_names.add(n)
                return n
        raise RuntimeError("name space exhausted")


def _bands(kind: str, rng: np.random.Generator) -> tuple[str, ...]:
    if kind in ("nursing", "residential"):
        if rng.random() < 0.25:
            return ("Learning disabilities or autistic spectrum disorder", "Younger Adults", "Mental Health")
        return ("Dementia", "Older People", "Physical Disability") if rng.random() < 0.7 else ("Older People",)
    if kind == "supported_living":
        return ("Learning disabilities or autistic spectrum disorder", "Mental Health", "Younger Adults")
    if kind == "shared_lives":
        return ("Learning disabilities or autistic spectrum disorder", "Younger Adults")
    return ("Dementia", "Older People", "Physical Disability", "Younger Adults", "Sensory Impairment")


def _ratings(start: int, end_day: int, rng: np.random.Generator) -> list[tuple[int, str, tuple[str, ...]]]:
    out: list[tuple[int, str, tuple[str, ...]]] = []
    day = start + int(rng.integers(150, 420))
    earliest = add_years(end_day, -9)
    day = max(day, earliest + int(rng.integers(0, 700)))
    cur: str | None = None
    while day <= end_day:
        probs = _FIRST if cur is None else _TRANSITION[cur]
        cur = _RATINGS[int(rng.choice(4, p=probs))]
        idx = _RATINGS.index(cur)
        domains = []
        for _ in range(5):  # Safe, Effective, Caring, Responsive, Well-led
            j = idx + int(rng.choice((-1, 0, 0, 0, 0, 0, 1)))
            domains.append(_RATINGS[min(3, max(0, j))])
        out.append((day, cur, tuple(domains)))
        gap = (700, 1100) if cur in ("Good", "Outstanding") else (200, 420)
        day += int(rng.integers(*gap))
    return out


def make_location(namer: Namer, la: LocalAuthority, kind: str, start: int, close: int, end_day: int,
                  name: str | None = None, chain: str | None = None) -> Location:
    rng = namer.rng
    nm = name or namer.name(kind)
    if chain is None and rng.random() < 0.3:
        chain = namer.pick(_CHAINS)
    provider_name = chain or (nm if nm.endswith(("Ltd", "CIC")) else f"{nm} Ltd")
    beds = 0
    if kind == "nursing":
        beds = int(rng.integers(30, 96))
    elif kind == "residential":
        beds = int(rng.integers(4, 12)) if rng.random() < 0.3 else int(rng.integers(14, 64))
    return Location(
        loc_id=namer.cqc_id(), name=nm, provider_id=_provider_id(namer, provider_name),
        provider_name=provider_name, la=la, postcode=namer.postcode(la), street=namer.street(),
        kind=kind, beds=beds, bands=_bands(kind, rng), start=start, close=close, ods=namer.ods(),
        ratings=_ratings(start, min(close, end_day), rng),
    )


def _provider_id(namer: Namer, provider_name: str) -> str:
    if provider_name not in namer.providers:
        namer.providers[provider_name] = namer.cqc_id()
    return namer.providers[provider_name]


def build_market(council: LocalAuthority, targets: Targets, users: dict[str, int], out_users: dict[str, int],
                 rng: np.random.Generator, history_start: int, end_day: int) -> Market:
    """Suppliers per market sized so the snapshot reproduces the published provider counts and
    top-5 shares, plus the CQC register of every authority the landing directory carries."""
    namer = Namer(rng)
    market = Market(council=council, suppliers={}, locations=[], reablement=None)  # type: ignore[arg-type]
    hosts = neighbours(council)
    host_w = np.array([w for _, w in hosts])
    host_w = host_w / host_w.sum()
    old_start = add_years(history_start, -12)

    def pre_existing() -> int:
        return int(rng.integers(old_start, history_start - 30))

    for rung, spec in TIER3_BY_RUNG.items():
        n_users = users[rung]
        n_out_users = out_users.get(rung, 0)
        target_in = targets.providers_in_city.get(rung)
        if rung == "Direct Payments":
            market.suppliers[rung] = []  # one account per recipient, made with the package
            continue
        if rung == "Adult Placement":
            n_in = max(1, round(2 * min(1.0, targets.scale ** 0.5)))
        else:
            n_in = max(2, round((target_in or 5) * targets.scale ** 0.8))
        n_out = int(round(n_out_users * spec.out_suppliers_per_user))
        in_q, out_q = top_shares(n_users, n_in, n_out, n_out_users, targets.top5_share_pct.get(rung), rng)
        sups: list[Supplier] = []
        kind = spec.cqc_kind
        n_open_late = {"Residential": 2, "Nursing": 1, "Home Care": 3, "Supported Living": 3,
                       "Supported Accommodation": 2}.get(rung, 0)
        for i, q in enumerate(in_q):
            late = i >= 5 and i < 5 + n_open_late and len(in_q) > 8
            start = int(rng.integers(history_start + 60, end_day - 120)) if late else pre_existing()
            sups.append(_supplier(market, namer, rung, council, council, q, start, OPEN, kind,
                                  spec.registered_share, end_day))
        for q in out_q:
            la = hosts[int(rng.choice(len(hosts), p=host_w))][0]
            placement = council if spec.placement_in_council else la
            sups.append(_supplier(market, namer, rung, la, placement, q, pre_existing(), OPEN, kind,
                                  spec.registered_share, end_day, out=True))
        n_closed = {"Residential": 4, "Nursing": 2, "Home Care": 3, "Supported Living": 2,
                    "Supported Accommodation": 2, "Day Care": 1}.get(rung, 0)
        for _ in range(n_closed):
            close = last_day(month_of(int(rng.integers(history_start + 90, end_day - 60))))
            s = _supplier(market, namer, rung, council, council, 0, pre_existing(), close, kind,
                          spec.registered_share, end_day)
            s.weight = float(np.median(in_q)) if in_q else 1.0
            sups.append(s)
        for s in sups:
            if s.quota:
                s.weight = float(s.quota)
        market.suppliers[rung] = sups
    market.shared_lives_schemes = market.suppliers["Adult Placement"]
    # in-house reablement (registered as a domiciliary care service) and respite beds
    market.reablement = _supplier(market, namer, "Reablement", council, council, 0, old_start, OPEN,
                                  "domiciliary", 1.0, end_day, name=f"{council.cqc_name} Reablement Service",
                                  chain=f"{council.cqc_name} City Council" if council.code == "E06000023" else f"{council.cqc_name} Council")
    market.respite = [s for r in ("Residential", "Nursing") for s in market.suppliers[r]
                      if not s.out and s.close == OPEN][:12]
    _fill_register(market, namer, rng, history_start, end_day)
    return market


def _supplier(market: Market, namer: Namer, rung: str, la: LocalAuthority, placement: LocalAuthority,
              quota: int, start: int, close: int, kind: str | None, registered: float, end_day: int,
              out: bool = False, name: str | None = None, chain: str | None = None) -> Supplier:
    rng = namer.rng
    loc = None
    if kind is not None and rng.random() < registered:
        loc = make_location(namer, la, kind, start, close, end_day, name=name, chain=chain)
        market.locations.append(loc)
        nm = loc.provider_name if loc.provider_name.endswith(("Ltd", "CIC", "Council")) else loc.name
        nm = loc.name if rung in ("Nursing", "Residential", "Extra Care Housing") else nm
        pc = loc.postcode
    else:
        nm = name or namer.name(kind or "day")
        pc = namer.postcode(la)
    return Supplier(sid=market.new_sid(), name=nm, rung=rung, la=la, postcode=pc, open=start, close=close,
                    location=loc, quota=quota, out=out, placement_la=placement.code)


def _fill_register(market: Market, namer: Namer, rng: np.random.Generator, history_start: int,
                   end_day: int) -> None:
    """Locations the council does not buy from: self-funder homes, other councils' markets."""
    council = market.council
    have: dict[str, int] = {}
    for loc in market.locations:
        have[loc.la.code] = have.get(loc.la.code, 0) + 1
    kinds = [k for k, _ in _FILLER_KINDS]
    kp = np.array([p for _, p in _FILLER_KINDS])
    old_start = add_years(history_start, -12)
    for la in LOCAL_AUTHORITIES:
        if la.code == council.code:
            want = int(have.get(la.code, 0) * 0.3)
        elif la.region == council.region:
            want = max(3, int(la.pop_2021 / 1000 * 0.15)) - have.get(la.code, 0)
        else:
            want = 12 - have.get(la.code, 0)
        for _ in range(max(0, want)):
            kind = kinds[int(rng.choice(len(kinds), p=kp))]
            if rng.random() < 0.06:
                start = int(rng.integers(history_start, end_day - 20))
            else:
                start = int(rng.integers(old_start, history_start))
            close = OPEN
            if rng.random() < 0.05:
                close = last_day(month_of(int(rng.integers(max(start + 60, history_start), end_day + 400))))
                close = OPEN if close > end_day else close
            market.locations.append(make_location(namer, la, kind, start, close, end_day))
