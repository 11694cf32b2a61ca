"""Stage 4: short-term services (reablement, respite) and Care Direct contacts, assessments and
reviews, in CLD terms."""
from __future__ import annotations

import numpy as np

from .calibration import BANDS
from .model import OPEN, Event, Person, Piece
from .people import MONTH_DAYS, CoreBuilder, adult_from, choose
from .rungs import REABLEMENT_ELEMENT, RESPITE_ELEMENT
from .timeline import age_at

LINKED_REQUEST_SHARE = 0.3  # new long-term clients whose contact came within 90 days before
REABLEMENT_FIRST_SHARE = 0.2  # new long-term clients who had reablement first
CONTACT_RATE_FACTOR = 1.08  # Care Direct volume set so CONTACT_TO_TIER3 runs ~8% above its target (Amber)


class ActivityStage(CoreBuilder):
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
                if start < adult_from(ep.person.dob):
                    continue  # no adult reablement before the 18th birthday
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
            o = outcomes[choose(rng, outcomes)][0]
            if o == "NFA - Deceased" and end <= self.T:
                p.dod = end
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
        return table[choose(self.r, table)][0]

    def _contacts(self) -> None:
        rng = self.rng
        linked = {"18-64": 0, "65+": 0}
        window_start = self.T - 365
        for ep in self._first_packages():
            reab = self.reablement_before.get(id(ep))
            if reab is None and rng.random() >= LINKED_REQUEST_SHARE:
                continue
            band = "65+" if age_at(ep.person.dob, ep.start) >= 65 else "18-64"
            # An adult extract: the contact and assessment of someone whose support starts soon
            # after their 18th birthday are not dated before it.
            adult = adult_from(ep.person.dob)
            if reab:
                day = max(reab[0] - int(rng.integers(1, 8)), adult)
                self._request(ep.person, day, "Progress to Reablement/ST-Max", self._route(band))
                a0 = max(reab[1] - int(rng.integers(3, 10)), day)
            else:
                day = max(ep.start - int(rng.integers(12, 85)), adult)
                self._request(ep.person, day, "Progress to Assessment", self._route(band))
                a0 = day + int(rng.integers(2, 9))
            a1 = max(ep.start - int(rng.integers(1, 4)), a0)
            self._assessment(ep.person, a0, a1, "Progress to Support Planning / Services",
                             "Yes", "Long Term Support (Initial)")
            if day >= window_start:
                linked[band] += 1
        for p, start in self.reablement_only:
            band = p.band
            day = max(start - int(rng.integers(1, 8)), adult_from(p.dob))
            self._request(p, day, "Progress to Reablement/ST-Max", self._route(band))
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
                o = outcomes[choose(self.r, outcomes)][0]
                ev = self._request(p, day, o, self._route(band))
                if o == "Progress to Assessment" and ev.end != OPEN:
                    a0 = ev.end + int(rng.integers(2, 12))
                    if a0 <= self.T:
                        self._assessment(p, a0, a0 + int(rng.integers(5, 40)), after[choose(rng, after)][0],
                                         "No" if rng.random() < 0.6 else "Yes",
                                         "Short Term Support" if rng.random() < 0.3 else "Long Term Support (Initial)")
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
