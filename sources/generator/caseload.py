"""People and their care: long-term packages built backwards from the calibrated snapshot,
short-term services, contacts, assessments and reviews, and the ContrOCC lines that fund them.

The snapshot (the last day of the end month) is drawn first so it reproduces the published
figures; history is then added as a stationary flow: people who were already in a package when
the history window opened and people who started later, with exponential package lengths, end
before the snapshot (died, moved, ended, moved up the ladder)."""
from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np

from .calibration import BANDS, Targets, addon_counts, round_preserving, stock_matrix
from .geography import LocalAuthority
from .market import Market
from .model import OPEN, Event, Person, Piece, Supplier
from .rungs import (APRIL_UPLIFTS, DEFAULT_UPLIFT, PSR_PRIOR, PSR_R1, REABLEMENT_ELEMENT,
                    RESPITE_ELEMENT, TIER3, TIER3_BY_RUNG, TRANSPORT_ELEMENT, RungSpec)
from .timeline import age_at, april_firsts, month_of
from datetime import date

MONTH_DAYS = 30.4375
LINKED_REQUEST_SHARE = 0.3  # new long-term clients whose contact came within 90 days before
REABLEMENT_FIRST_SHARE = 0.2  # new long-term clients who had reablement first
CONTACT_RATE_FACTOR = 1.08  # Care Direct volume set so CONTACT_TO_TIER3 runs ~8% above its target (Amber)
REVIEW_CHANGE = ((0.15, (1.08, 1.30)), (0.12, (0.75, 0.92)))  # (probability, factor range): up, down

_ETHNICITY = (("White British", .74), ("Any other White background", .06), ("Caribbean", .03),
              ("African", .03), ("Pakistani", .02), ("Indian", .015), ("White and Black Caribbean", .02),
              ("Any other ethnic group", .02), ("White Irish", .01), ("Bangladeshi", .005),
              ("Undeclared / Not known", .04))
_TENURE = (("Owner occupier or shared ownership scheme", .45),
           ("Tenant - Local Authority / Arms Length Management Organisation / Registered Social Landlord / Housing Association", .33),
           ("Tenant - private landlord", .08), ("Settled mainstream housing with family / friends", .14))
_ACCOMMODATION = {"Nursing": "Registered nursing home", "Residential": "Registered care home",
                  "Supported Accommodation": "Supported accommodation / supported lodgings / supported group home",
                  "Extra Care Housing": "Sheltered housing / extra care housing / other sheltered housing",
                  "Supported Living": "Supported accommodation / supported lodgings / supported group home",
                  "Adult Placement": "Shared Lives scheme"}
_EMPLOYMENT_1864 = (("Not in Paid Employment (not actively seeking work / retired)", .68),
                    ("Not in Paid Employment (seeking work)", .08), ("Paid: Less than 16 hours a week", .08),
                    ("Paid: 16 or more hours a week", .04), ("Not in Paid Employment (voluntary work only)", .05),
                    ("Unknown", .07))
# how a package that ends before the snapshot ends: (outcome, probability, died)
_END_OLD_CARE_HOME = (("NFA - Deceased", .80, True), ("NFA - 100% NHS-funded care", .08, False),
                      ("NFA - Moved to another LA", .04, False), ("NFA - Self-funded client (inc. 12wk disregard)", .04, False),
                      ("NFA - Support ended – other reason", .04, False))
_END_OLD_COMMUNITY = (("NFA - Deceased", .38, True), ("Service ended as planned", .22, False),
                      ("NFA - Support declined", .10, False), ("NFA - Moved to another LA", .06, False),
                      ("NFA - Self-funded client (inc. 12wk disregard)", .06, False), ("Admitted to Hospital", .06, False),
                      ("NFA - 100% NHS-funded care", .04, False), ("NFA - Support ended – other reason", .08, False))
_END_YOUNG = (("Service ended as planned", .34, False), ("NFA - Moved to another LA", .14, False),
              ("NFA - Support declined", .14, False), ("NFA - Deceased", .08, True),
              ("NFA - Support ended – other reason", .16, False), ("NFA - 100% NHS-funded care", .04, False),
              ("NFA - Other", .10, False))
_MOVE_OUTCOME = "Progress to Support Planning / Services"
# (rung, band) -> (probability the package followed another one, [(earlier rung, weight)])
_PRIORS = {("Nursing", "65+"): (0.35, (("Residential", .4), ("Home Care", .6))),
           ("Residential", "65+"): (0.30, (("Home Care", .7), ("Extra Care Housing", .3))),
           ("Residential", "18-64"): (0.12, (("Supported Accommodation", 1.0),)),
           ("Supported Living", "18-64"): (0.10, (("Supported Accommodation", 1.0),))}


_CUM: dict[int, tuple[object, list[float]]] = {}


def _choice(rng: np.random.Generator | random.Random, table) -> int:  # type: ignore[no-untyped-def]
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


class Builder:
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
            employment = _EMPLOYMENT_1864[_choice(r, _EMPLOYMENT_1864)][0]
        u = r.random()
        p = Person(
            pid=str(self._pid), nhs="" if r.random() < 0.04 else nhs_number(self._nhs),
            gender="Female" if female else "Male", ethnicity=_ETHNICITY[_choice(r, _ETHNICITY)][0],
            dob=dob, band=band, postcode=self._postcode(), employment=employment,
            carer="Yes" if u < .42 else "No" if u < .85 else "Unknown",
            accommodation=_TENURE[_choice(r, _TENURE)][0],
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

    # ---------------------------------------------------------------- snapshot
    def build(self) -> Caseload:
        rungs = [s.rung for s in TIER3]
        t = self.t
        bands = (int(round(t.h("service_users_18_64", True))), int(round(t.h("service_users_65_plus", True))))
        addon = {s.rung: s.addon for s in TIER3}
        stock = stock_matrix(rungs, t.pct_activity, {s.rung: s.share_65 for s in TIER3}, bands, addon)
        addons = addon_counts(rungs, t.pct_activity, sum(bands), addon)
        users = {r: int(stock[i].sum()) + addons.get(r, 0) for i, r in enumerate(rungs)}
        # weekly cost per rung and band
        people_total = sum(bands)
        weekly_total = people_total * t.h("average_weekly_cost_per_service_user") * 100  # pennies
        spend = np.array([t.pct_spend[r] for r in rungs])
        spend = spend / spend.sum() * weekly_total
        addon_band_split = {}
        for i, r in enumerate(rungs):
            spec = TIER3[i]
            n_addon = addons.get(r, 0)
            split = stock[i] / max(1, stock[i].sum())
            add = round_preserving(split * n_addon, n_addon) if n_addon else np.zeros(2, dtype=int)
            addon_band_split[r] = add
            n = stock[i] + add
            f = np.array([spec.cost_factor_18_64, 1.0])
            denom = float((n * f).sum()) or 1.0
            for j, b in enumerate(BANDS):
                self.cell_mean_p[(r, b)] = spend[i] * f[j] / denom
        hours_target = t.h("home_care_hours_per_week", True)
        self.hourly_price["Home Care"] = spend[rungs.index("Home Care")] / 100 / hours_target
        out_users = self._out_of_area(users)
        from .market import build_market  # noqa: PLC0415 (the market needs the stock first)
        self.market = market = build_market(self.council, t, users, out_users, self.rng, self.H, self.T)
        self.closed = {r: [s for s in sups if s.close < OPEN] for r, sups in market.suppliers.items()}
        self._fit_psr(stock, rungs)
        snapshot: dict[str, list[Episode]] = {}
        for i, r in enumerate(rungs):
            eps = []
            for j, b in enumerate(BANDS):
                eps += self._stock_episodes(r, b, int(stock[i, j]))
            snapshot[r] = eps
        self._add_day_care_addons(snapshot, addon_band_split["Day Care"])
        for r in rungs:
            self._normalise_costs(snapshot[r])
            self._assign_snapshot_suppliers(r, snapshot[r], out_users.get(r, 0))
        self._psr_for_snapshot(snapshot)
        # history
        for r in rungs:
            for j, b in enumerate(BANDS):
                n = int(stock[rungs.index(r), j]) + int(addon_band_split[r][j])
                self._leavers(r, b, n)
        self._priors()
        for ep in self.episodes:
            self._segments(ep)
            self._reviews(ep)
            self._pieces(ep)
        self._short_term()
        self._contacts()
        self._transport_lines()
        del market
        return Caseload(self.people, self.events, self.pieces, self.episodes)

    def _out_of_area(self, users: dict[str, int]) -> dict[str, int]:
        t = self.t
        out = {}
        for spec in TIER3:
            out[spec.rung] = int(round(users[spec.rung] * spec.out_of_area))
        out["Residential"] = int(round(t.h("out_of_city_placements_residential", True)))
        out["Supported Accommodation"] = int(round(t.h("out_of_city_placements_supported_accommodation", True)))
        return out

    def _fit_psr(self, stock: np.ndarray, rungs: list[str]) -> None:
        """Scale the LD and MH priors so the snapshot's expected counts match the published ones."""
        t = self.t
        target = np.array([t.h("service_users_psr_learning_disability", True),
                           t.h("service_users_psr_mental_health", True)])
        cells = [((r, b), float(stock[i, j])) for i, r in enumerate(rungs) for j, b in enumerate(BANDS)]
        k = np.ones(2)
        for _ in range(60):
            exp = np.zeros(2)
            for key, n in cells:
                p = np.array(PSR_PRIOR[key], dtype=float)
                p[:2] *= k
                p /= p.sum()
                exp += n * p[:2]
            k *= target / np.maximum(exp, 1e-9)
        for key, _ in cells:
            p = np.array(PSR_PRIOR[key], dtype=float)
            p[:2] *= k
            self.psr_p[key] = p / p.sum()

    def _stock_episodes(self, rung: str, band: str, n: int) -> list[Episode]:
        spec = TIER3_BY_RUNG[rung]
        rng = self.rng
        dur = spec.duration_months[0 if band == "18-64" else 1] * MONTH_DAYS
        eps = []
        elapsed = rng.exponential(dur, n)
        for k in range(n):
            start = self.T - int(min(elapsed[k], 15 * 365))
            age = self.age_for(rung, band)
            if band == "18-64":
                years = (self.T - start) / 365.25
                age = min(64, max(age, 18 + math.ceil(years)))
                start = max(start, self.T - int((age - 18) * 365.25))
            p = self.person(band, (self.T, age))
            cost = self.cell_mean_p[(rung, band)] * float(rng.lognormal(-0.045, 0.3))
            ep = Episode(p, rung, band, start, OPEN, "", int(cost), None, False)  # type: ignore[arg-type]
            eps.append(ep)
            self.episodes.append(ep)
        return eps

    def _add_day_care_addons(self, snapshot: dict[str, list[Episode]], split: np.ndarray) -> None:
        rng = self.rng
        hosts = {"18-64": [e for r in ("Supported Living", "Supported Accommodation", "Adult Placement", "Home Care")
                           for e in snapshot[r] if e.band == "18-64"],
                 "65+": [e for r in ("Home Care", "Extra Care Housing") for e in snapshot[r] if e.band == "65+"]}
        dur = TIER3_BY_RUNG["Day Care"].duration_months
        for j, b in enumerate(BANDS):
            pool = hosts[b]
            idx = rng.choice(len(pool), size=min(len(pool), int(split[j])), replace=False)
            for i in sorted(int(x) for x in idx):
                host = pool[i]
                start = max(host.start, self.T - int(rng.exponential(dur[j] * MONTH_DAYS)))
                cost = self.cell_mean_p[("Day Care", b)] * float(rng.lognormal(-0.045, 0.3))
                ep = Episode(host.person, "Day Care", b, start, OPEN, "", int(cost), None, False, addon=True)  # type: ignore[arg-type]
                snapshot["Day Care"].append(ep)
                self.episodes.append(ep)

    def _normalise_costs(self, eps: list[Episode]) -> None:
        for b in BANDS:
            cell = [e for e in eps if e.band == b]
            if not cell:
                continue
            want = self.cell_mean_p[(eps[0].rung, b)] * len(cell)
            got = sum(e.cost_p for e in cell) or 1
            for e in cell:
                e.cost_p = int(round(e.cost_p * want / got))

    def _assign_snapshot_suppliers(self, rung: str, eps: list[Episode], n_out: int) -> None:
        rng = self.rng
        if rung == "Direct Payments":
            for e in eps:
                e.supplier = self.dp_supplier()
            return
        sups = self.market.suppliers[rung]
        outs = [s for s in sups if s.out and s.quota]
        ins = [s for s in sups if not s.out and s.quota]
        # out-of-area placements are mainly people aged 18-64
        order = sorted(range(len(eps)), key=lambda i: rng.random() + (0.0 if eps[i].band == "18-64" else 0.7))
        slots_out = [s for s in outs for _ in range(s.quota)]
        slots_in = [s for s in ins for _ in range(s.quota)]
        rng.shuffle(slots_out)  # type: ignore[arg-type]
        rng.shuffle(slots_in)  # type: ignore[arg-type]
        slots = slots_out + slots_in
        for k, i in enumerate(order):
            s = slots[k] if k < len(slots) else ins[int(rng.integers(len(ins)))]
            eps[i].supplier = s
            eps[i].out = s.out
        self._balance_top5(rung, eps)
        for b in BANDS:
            cell = [e for e in eps if e.band == b]
            self.p_out[(rung, b)] = sum(e.out for e in cell) / max(1, len(cell))

    def _balance_top5(self, rung: str, eps: list[Episode]) -> None:
        """Quotas fix head counts; costs differ, so swap people between the five biggest
        suppliers and the rest (same band, counts unchanged) until their spend share is right."""
        target = self.t.top5_share_pct.get(rung)
        if target is None:
            return
        total = sum(e.cost_p for e in eps) or 1
        by_sup: dict[str, int] = {}
        for e in eps:
            by_sup[e.supplier.sid] = by_sup.get(e.supplier.sid, 0) + e.cost_p
        top = set(sorted(by_sup, key=lambda k: -by_sup[k])[:5])
        share = 100.0 * sum(by_sup[k] for k in top) / total
        inside = sorted((e for e in eps if e.supplier.sid in top), key=lambda e: e.cost_p)
        outside = sorted((e for e in eps if e.supplier.sid not in top and not e.out), key=lambda e: -e.cost_p)
        rising = share < target
        if not rising:
            inside.reverse()
            outside.reverse()
        for a, b in zip(inside, outside):
            if abs(share - target) < 0.5 or a.band != b.band or (b.cost_p > a.cost_p) != rising:
                continue
            share += 100.0 * (b.cost_p - a.cost_p) / total
            a.supplier, b.supplier = b.supplier, a.supplier

    def _psr_for_snapshot(self, snapshot: dict[str, list[Episode]]) -> None:
        rng = self.rng
        for r, eps in snapshot.items():
            for b in BANDS:
                cell = [e for e in eps if e.band == b and not e.addon]
                if not cell:
                    continue
                counts = round_preserving(self.psr_p[(r, b)] * len(cell), len(cell))
                labels = [PSR_R1[k] for k, c in enumerate(counts) for _ in range(int(c))]
                rng.shuffle(labels)  # type: ignore[arg-type]
                for e, lab in zip(cell, labels):
                    e.person.psr = lab
                    self._person_setting(e)

    def _person_setting(self, e: Episode) -> None:
        acc = _ACCOMMODATION.get(e.rung)
        if acc:
            e.person.accommodation = acc

    def dp_supplier(self) -> Supplier:
        self.dp_seq += 1
        c = self.council
        return Supplier(sid=f"DPR{self.dp_seq:06d}", name="Direct Payment Recipient", rung="Direct Payments",
                        la=c, postcode="", open=0, placement_la=c.code)

    # ---------------------------------------------------------------- history
    def _end_outcome(self, rung: str, band: str) -> tuple[str, bool]:
        if band == "65+":
            table = _END_OLD_CARE_HOME if rung in ("Nursing", "Residential") else _END_OLD_COMMUNITY
        else:
            table = _END_YOUNG
        o = table[_choice(self.rng, table)]
        return o[0], o[2]

    def _pick_supplier(self, rung: str, band: str, day: int, out: bool | None = None) -> tuple[Supplier, bool]:
        rng = self.rng
        if rung == "Direct Payments":
            return self.dp_supplier(), False
        if out is None:
            out = rng.random() < self.p_out.get((rung, band), 0.0)
        pool = [s for s in self.market.suppliers[rung] if s.out == out and s.open <= day <= s.close]
        if not pool:
            pool = [s for s in self.market.suppliers[rung] if s.open <= day <= s.close]
        w = np.array([s.weight for s in pool], dtype=float)
        return pool[int(rng.choice(len(pool), p=w / w.sum()))], out

    def _leaver(self, rung: str, band: str, start: int, end: int) -> Episode:
        rng = self.rng
        age = self.age_for(rung, band)
        if band == "18-64":
            age = max(age, 18 + math.ceil((end - start) / 365.25))
            if age > 64:
                age, start = 64, max(start, end - int(46 * 365.25))
        p = self.person(band, (end, age))
        r, b = rung, band
        probs = self.psr_p.get((r, b))
        if probs is not None:
            p.psr = PSR_R1[int(rng.choice(len(PSR_R1), p=probs))]
        acc = _ACCOMMODATION.get(rung)
        if acc:
            p.accommodation = acc
        outcome, died = self._end_outcome(rung, band)
        if died:
            p.dod = end
        sup, out = self._pick_supplier(rung, band, end)
        cost = self.cell_mean_p[(rung, band)] * float(rng.lognormal(-0.045, 0.3)) * self.price_factor(end)
        ep = Episode(p, rung, band, start, end, outcome, int(cost), sup, out)
        self.episodes.append(ep)
        return ep

    def _leavers(self, rung: str, band: str, n: int) -> None:
        if n <= 0:
            return
        rng = self.rng
        spec = TIER3_BY_RUNG[rung]
        dur = spec.duration_months[0 if band == "18-64" else 1] * MONTH_DAYS
        span = self.T - self.H
        surv = math.exp(-span / dur)
        # in a package when the history window opened, ended before the snapshot
        n_open = int(rng.poisson(n * (1 - surv)))
        for _ in range(n_open):
            start = self.H - int(min(rng.exponential(dur), 15 * 365))
            u = float(rng.random()) * (1 - surv)
            end = self.H + int(-dur * math.log(1 - u))
            self._leaver(rung, band, start, min(end, self.T - 1))
        # started in the window and ended before the snapshot
        n_new = int(rng.poisson(max(0.0, n * span / dur * (1 - self._prior_share(rung, band)))))
        starts = rng.integers(self.H, self.T, n_new)
        lengths = rng.exponential(dur, n_new)
        for s, d in zip(starts, lengths):
            e = int(s) + max(7, int(d))
            if e < self.T:
                self._leaver(rung, band, int(s), e)

    def _prior_share(self, rung: str, band: str) -> float:
        """Share of this rung's flow that arrives as an earlier package of someone who moved up
        the ladder (generated by `_priors`, so left out of the independent flow)."""
        if (rung, band) == ("Home Care", "65+"):
            return 0.12
        if (rung, band) == ("Extra Care Housing", "65+"):
            return 0.08
        if (rung, band) == ("Residential", "65+"):
            return 0.2
        if (rung, band) == ("Supported Accommodation", "18-64"):
            return 0.06
        return 0.0

    def _priors(self) -> None:
        """Earlier packages of people who moved up the ladder (home care -> residential ...)."""
        rng = self.rng
        for ep in list(self.episodes):
            rule = _PRIORS.get((ep.rung, ep.band))
            if rule is None or ep.start <= self.H or rng.random() >= rule[0]:
                continue
            options = rule[1]
            prior_rung = options[_choice(rng, options)][0]
            spec = TIER3_BY_RUNG[prior_rung]
            dur = spec.duration_months[0 if ep.band == "18-64" else 1] * MONTH_DAYS
            end = ep.start - 1
            start = end - max(30, int(rng.exponential(dur)))
            sup, out = self._pick_supplier(prior_rung, ep.band, end)
            cost = self.cell_mean_p[(prior_rung, ep.band)] * float(rng.lognormal(-0.045, 0.3)) * self.price_factor(end)
            prior = Episode(ep.person, prior_rung, ep.band, start, end, _MOVE_OUTCOME, int(cost), sup, out)
            self.episodes.append(prior)

    # ---------------------------------------------------------------- lines
    def _segments(self, ep: Episode) -> None:
        """Split a package by provider: the final provider was open for the last part only, or a
        provider that closed handed its clients on."""
        rng = self.rng
        end = ep.end if ep.end != OPEN else self.T
        segs: list[tuple[int, int, Supplier]] = []
        cur_end, sup = end, ep.supplier
        rung_pool = self.market.suppliers.get(ep.rung, [])
        for _ in range(6):
            seg_start = max(ep.start, sup.open)
            segs.insert(0, (seg_start, cur_end, sup))
            if seg_start <= ep.start:
                break
            cur_end = seg_start - 1
            pool = [s for s in rung_pool if s is not sup and s.open <= cur_end and s.close >= cur_end]
            early = [s for s in pool if s.open <= ep.start] or [s for s in pool if s.open <= self.L] or pool
            cands = [s for s in early if s.out == sup.out] or early
            if not cands:
                break
            w = np.array([c.weight for c in cands])
            sup = cands[int(rng.choice(len(cands), p=w / w.sum()))]
        if segs[0][0] > ep.start:  # only when the provider was on the register before the extracts
            segs[0] = (ep.start, segs[0][1], segs[0][2])
        # clients handed on when a provider closed
        if ep.rung in self.market.suppliers and len(segs) == 1 and ep.rung != "Direct Payments":
            closed = [s for s in self.closed.get(ep.rung, ()) if s.out == ep.out
                      and ep.start < s.close < end - 1 and s.open <= ep.start]
            if closed and rng.random() < 0.35:
                c = closed[int(rng.integers(len(closed)))]
                segs = [(ep.start, c.close, c), (c.close + 1, end, segs[0][2])]
        ep.segments = segs

    def _reviews(self, ep: Episode) -> None:
        rng = self.rng
        end = ep.end if ep.end != OPEN else self.T
        day = ep.start + int(rng.integers(35, 60))
        while day < end:
            if day >= self.H - 60:
                u = rng.random()
                if u < REVIEW_CHANGE[0][0]:
                    ep.changes.append((day + 7, float(rng.uniform(*REVIEW_CHANGE[0][1]))))
                    ep.reviews.append((day, "up"))
                elif u < REVIEW_CHANGE[0][0] + REVIEW_CHANGE[1][0]:
                    ep.changes.append((day + 7, float(rng.uniform(*REVIEW_CHANGE[1][1]))))
                    ep.reviews.append((day, "down"))
                else:
                    ep.reviews.append((day, "same"))
            day += int(rng.integers(330, 420))
        ep.changes = [c for c in ep.changes if c[0] < end]

    def _pieces(self, ep: Episode) -> None:
        rng = self.rng
        spec = TIER3_BY_RUNG[ep.rung]
        end = ep.end if ep.end != OPEN else self.T
        element = spec.elements[0 if ep.band == "18-64" else 1]
        funding, contribution = self._funding(ep)
        n_seg = len(ep.segments)
        cost = float(ep.cost_p)
        level = self.price_factor(end)
        # walk backwards from the end: the last segment carries the calibrated cost
        seg_pieces: list[list[tuple[int, int, int, int]]] = []
        for k in range(n_seg - 1, -1, -1):
            s0, s1, sup = ep.segments[k]
            cps = sorted({a for a in april_firsts(s0, s1)} | {d for d, _ in ep.changes if s0 < d <= s1}, reverse=True)
            factors = dict(ep.changes)
            rate, units = self.rate_units(spec, cost, sup, level)
            cur_end = s1
            pcs: list[tuple[int, int, int, int]] = []
            for cp in cps:
                pcs.insert(0, (cp, cur_end, rate, units))
                cur_end = cp - 1
                if cp in factors and date.fromordinal(cp).timetuple()[1:3] != (4, 1):
                    f = factors[cp]
                    cost /= f
                    if spec.rate_unit == "Week":
                        rate = max(1, int(round(rate / f)))
                    elif spec.rate_unit == "Hour":
                        units = max(2, int(round(units / f)))
                    else:
                        units = max(4, int(round(units / 4 / f)) * 4)
                else:
                    u = 1.0 + APRIL_UPLIFTS.get(date.fromordinal(cp).year, DEFAULT_UPLIFT)
                    level /= u
                    cost /= u
                    step = 4 if spec.rate_unit == "Hour" else 1
                    rate = max(step, int(round(rate / u / step)) * step)
            pcs.insert(0, (s0, cur_end, rate, units))
            seg_pieces.insert(0, pcs)
            cost *= float(rng.uniform(0.97, 1.03))
        for k, (s0, s1, sup) in enumerate(ep.segments):
            last = k == n_seg - 1
            ev = Event("Service", self.event_ref("SRV"), ep.person, s0,
                       end=(OPEN if ep.end == OPEN else s1) if last else s1,
                       outcome=(ep.outcome if last else _MOVE_OUTCOME),
                       service_type=spec.service_type, component_r1=spec.component_r1,
                       component_r2=spec.component_r2,
                       delivery=("Direct Payment" if ep.rung == "Direct Payments" else
                                 "CASSR Managed Personal Budget" if rng.random() < 0.08 else "CASSR Commissioned Support"),
                       location=sup.location)
            ep.events.append(ev)
            self.events.append(ev)
            agreement = self.agreement_id()
            for line_no, (a, b, rate, units) in enumerate(seg_pieces[k], start=1):
                is_open = last and ep.end == OPEN and b == self.T
                pc = Piece(agreement, line_no, ev, ep.person, element, sup, a, OPEN if is_open else b,
                           rate, units, spec.rate_unit, funding, contribution)
                ev.pieces.append(pc)
                if b >= self.L:
                    self.pieces.append(pc)

    def _funding(self, ep: Episode) -> tuple[str, int]:
        rng = self.rng
        u = rng.random()
        if ep.person.psr == "Mental Health Support" and u < 0.25:
            funding = "S117"
        elif u < 0.06:
            funding = "Joint with NHS"
        elif u < 0.07:
            funding = "CHC"
        else:
            funding = "LA"
        if ep.rung in ("Nursing", "Residential") and ep.band == "65+":
            contribution = int(rng.uniform(120, 260) * 100)
        elif funding in ("S117", "CHC"):
            contribution = 0
        else:
            contribution = int(rng.uniform(0, 60) * 100) if rng.random() < 0.6 else 0
        return funding, contribution

    # ---------------------------------------------------------------- tier 2
    def _short_term_event(self, person: Person, start: int, end: int, outcome: str, kind: str) -> Event:
        rng = self.rng
        if kind == "reablement":
            sup, element, unit = self.market.reablement, REABLEMENT_ELEMENT, "Hour"
            st, c1 = "Short Term Support: ST-Max", "Reablement"
            rate = int(round(3200 * self.price_factor(end) / 4)) * 4
            units = int(rng.integers(20, 60))
        else:
            pool = [s for s in self.market.respite if s.open <= start and s.close >= end] or self.market.respite
            sup = pool[int(rng.integers(len(pool)))]
            element, unit = RESPITE_ELEMENT, "Night"
            st, c1 = "Short Term Support: Other Short Term", "Short Term Residential Care"
            rate = int(round(rng.uniform(115, 160) * 100 * self.price_factor(end)))
            units = 28
        ev = Event("Service", self.event_ref("SRV"), person, start, end, outcome, service_type=st,
                   component_r1=c1, component_r2=c1, delivery="CASSR Commissioned Support", location=sup.location)
        pc = Piece(self.agreement_id(), 1, ev, person, element, sup, start, end, rate, units, unit)
        ev.pieces.append(pc)
        self.events.append(ev)
        if end >= self.L:
            self.pieces.append(pc)
        return ev

    def _short_term(self) -> None:
        rng = self.rng
        months = (self.T - self.H) / MONTH_DAYS
        scale = self.t.scale
        self.reablement_before: dict[int, tuple[int, int]] = {}
        # reablement before a new long-term package
        firsts = self._first_packages()
        for ep in firsts:
            if ep.start - 50 > self.H and rng.random() < REABLEMENT_FIRST_SHARE:
                end = ep.start - 1
                start = end - int(rng.integers(14, 42))
                self._short_term_event(ep.person, start, end, "Progress to Support Planning / Services", "reablement")
                self.reablement_before[id(ep)] = (start, end)
        n_standalone = int(rng.poisson(months * 150 * scale)) - len(self.reablement_before)
        # people in reablement at the snapshot whose long-term package starts after it
        recent = sum(1 for a, _ in self.reablement_before.values() if a >= self.T - 365)
        for _ in range(int(rng.poisson(recent * 45 / 365))):
            band = "65+" if rng.random() < 0.85 else "18-64"
            start = int(rng.integers(self.T - 45, self.T + 1))
            p = self.person(band, (start, self.age_for("Home Care", band)))
            end = start + int(rng.integers(14, 43))
            self._short_term_event(p, start, OPEN if end > self.T else end,
                                   "" if end > self.T else "Progress to Support Planning / Services", "reablement")
        outcomes = (("Service ended as planned", .55), ("NFA - No services offered - other reason", .15),
                    ("Admitted to Hospital", .12), ("NFA - Deceased", .04), ("NFA - Self-funded client (inc. 12wk disregard)", .04),
                    ("NFA - Support declined", .10))
        self.reablement_only: list[tuple[Person, int]] = []
        for _ in range(max(0, n_standalone)):
            band = "65+" if rng.random() < 0.85 else "18-64"
            start = int(rng.integers(self.H - 40, self.T - 3))
            end = start + int(rng.integers(10, 43))
            p = self.person(band, (start, self.age_for("Home Care", band)))
            o = outcomes[_choice(rng, outcomes)][0]
            if o == "NFA - Deceased":
                p.dod = min(end, self.T)
            self._short_term_event(p, start, OPEN if end > self.T else end, "" if end > self.T else o, "reablement")
            self.reablement_only.append((p, start))
        # respite
        n_respite = int(rng.poisson(months * 45 * scale))
        community = [e for e in self.episodes if e.rung in ("Home Care", "Supported Living", "Extra Care Housing", "Adult Placement")]
        for _ in range(n_respite):
            start = int(rng.integers(self.H - 20, self.T - 3))
            end = start + int(rng.integers(6, 28))
            host = community[int(rng.integers(len(community)))] if community else None
            if host and host.start < start and (host.end == OPEN or host.end > end) and rng.random() < 0.7:
                p = host.person
            else:
                band = "65+" if rng.random() < 0.8 else "18-64"
                p = self.person(band, (start, self.age_for("Residential", band)))
            self._short_term_event(p, start, OPEN if end > self.T else end,
                                   "" if end > self.T else "Service ended as planned", "respite")

    def _first_packages(self) -> list[Episode]:
        first: dict[int, Episode] = {}
        for ep in self.episodes:
            k = id(ep.person)
            if k not in first or ep.start < first[k].start:
                first[k] = ep
        return [e for e in first.values() if e.start > self.H]

    # ---------------------------------------------------------------- contacts
    def _request(self, person: Person, day: int, outcome: str, route: str) -> Event:
        end = day + self.r.choice((0, 0, 0, 1, 2, 5))
        ev = Event("Request", self.event_ref("REQ"), person, day, end if end <= self.T else OPEN,
                   outcome if end <= self.T else "", route=route)
        self.events.append(ev)
        return ev

    def _assessment(self, person: Person, start: int, end: int, outcome: str, eligible: str, atype: str) -> Event:
        end = max(start, end)
        ev = Event("Assessment", self.event_ref("ASM"), person, start, end if end <= self.T else OPEN,
                   outcome if end <= self.T else "", assessment_type=atype,
                   eligible=eligible if end <= self.T else "")
        self.events.append(ev)
        return ev

    def _route(self, band: str) -> str:
        rng = self.rng
        if band == "18-64":
            table = (("Community / Other route", .62), ("Discharge from Hospital", .18),
                     ("Planned Entry (Transition)", .12), ("Diversion from Hospital Services", .05), ("Prison", .03))
        else:
            table = (("Community / Other route", .52), ("Discharge from Hospital", .36),
                     ("Diversion from Hospital Services", .07), ("Self-Funder with Depleted Funds", .05))
        return table[_choice(self.r, table)][0]

    def _contacts(self) -> None:
        rng = self.rng
        linked = {"18-64": 0, "65+": 0}
        window_start = self.T - 365
        for ep in self._first_packages():
            reab = self.reablement_before.get(id(ep))
            if reab is None and rng.random() >= LINKED_REQUEST_SHARE:
                continue
            band = "65+" if age_at(ep.person.dob, ep.start) >= 65 else "18-64"
            if reab:
                day = reab[0] - int(rng.integers(1, 8))
                self._request(ep.person, day, "Progress to Reablement/ST-Max", self._route(band))
                a0 = reab[1] - int(rng.integers(3, 10))
            else:
                day = ep.start - int(rng.integers(12, 85))
                self._request(ep.person, day, "Progress to Assessment", self._route(band))
                a0 = day + int(rng.integers(2, 9))
            self._assessment(ep.person, a0, ep.start - int(rng.integers(1, 4)), "Progress to Support Planning / Services",
                             "Yes", "Long Term Support (Initial)")
            if day >= window_start:
                linked[band] += 1
        for p, start in self.reablement_only:
            band = p.band
            self._request(p, start - int(rng.integers(1, 8)), "Progress to Reablement/ST-Max", self._route(band))
        # everyone else who contacted Care Direct
        months = (self.T - self.H) / MONTH_DAYS
        reab_recent = {b: sum(1 for p, s in self.reablement_only if p.band == b and s >= window_start) for b in BANDS}
        outcomes = (("NFA - Information & Advice / Signposting only", .60), ("Progress to Assessment", .17),
                    ("NFA - Support declined", .06), ("NFA - Self-funded client (inc. 12wk disregard)", .04),
                    ("Admitted to Hospital", .03), ("NFA - 100% NHS-funded care", .02), ("NFA - Other", .04),
                    ("NFA - Moved to another LA", .01), ("Progress to End of Life Care", .01),
                    ("NFA - No services offered - other reason", .02))
        after = (("NFA - No services offered - other reason", .42), ("NFA - Self-funded client (inc. 12wk disregard)", .2),
                 ("NFA - Support declined", .15), ("NFA - Other", .1), ("Progress to financial assessment", .13))
        for j, band in enumerate(BANDS):
            target_pct = self.kpi_targets.get("CONTACT_TO_TIER3", (3.0, 7.5))[j]
            per_year = linked[band] / (CONTACT_RATE_FACTOR * target_pct / 100.0) - linked[band] - reab_recent[band]
            n = int(rng.poisson(max(0.0, per_year) * months / 12.0))
            days = np.sort(rng.integers(self.H - 10, self.T + 1, n))
            for day in days:
                day = int(day)
                p = self.person(band, (day, self.age_for("Home Care" if band == "65+" else "Direct Payments", band)))
                o = outcomes[_choice(self.r, outcomes)][0]
                ev = self._request(p, day, o, self._route(band))
                if o == "Progress to Assessment" and ev.end != OPEN:
                    a0 = ev.end + int(rng.integers(2, 12))
                    if a0 <= self.T:
                        self._assessment(p, a0, a0 + int(rng.integers(5, 40)), after[_choice(rng, after)][0],
                                         "No" if rng.random() < 0.6 else "Yes", "Long Term Support (Initial)")
        # reviews of long-term packages
        for ep in self.episodes:
            for day, kind in ep.reviews:
                end = day + int(rng.integers(0, 21))
                if kind == "same":
                    outcome = "No change in package"
                elif rng.random() < 0.2:
                    outcome = "Progress to Re-assessment / Unplanned Review"
                else:
                    outcome = "Progress to Support Planning / Services"
                ev = Event("Review", self.event_ref("REV"), ep.person, day, end if end <= self.T else OPEN,
                           outcome if end <= self.T else "",
                           review_reason="Planned" if rng.random() < 0.8 else "Unplanned",
                           review_achieved=("Fully achieved", "Partially achieved", "Not achieved")[int(rng.choice(3, p=(.6, .3, .1)))] if end <= self.T else "")
                self.events.append(ev)

    def _transport_lines(self) -> None:
        """The odd ContrOCC line with no CLD event: transport to day opportunities."""
        rng = self.rng
        for pc in [p for p in self.pieces if p.element[0].startswith("DAY6") and p.event is not None]:
            if rng.random() < 0.08:
                self.pieces.append(Piece(self.agreement_id(), 1, None, pc.person, TRANSPORT_ELEMENT, pc.supplier,
                                         pc.start, pc.end, int(round(rng.uniform(6, 12) * 100)), 4 * int(rng.integers(1, 5)),
                                         "Unit", "LA", 0))


def month_end_of(day: int) -> tuple[int, int]:
    return month_of(day)
