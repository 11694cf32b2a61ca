"""Stage 2: history as a stationary flow of packages that end before the snapshot, and the
earlier packages of people who moved up the care ladder."""
from __future__ import annotations

import math

import numpy as np

from .model import Supplier
from .people import ACCOMMODATION_BY_RUNG, MOVE_OUTCOME, MONTH_DAYS, CoreBuilder, Episode, adult_from, choose
from .rungs import PSR_R1, TIER3_BY_RUNG

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
# (rung, band) -> (probability the package followed another one, [(earlier rung, weight)])
_PRIORS = {("Nursing", "65+"): (0.35, (("Residential", .4), ("Home Care", .6))),
           ("Residential", "65+"): (0.30, (("Home Care", .7), ("Extra Care Housing", .3))),
           ("Residential", "18-64"): (0.12, (("Supported Accommodation", 1.0),)),
           ("Supported Living", "18-64"): (0.10, (("Supported Accommodation", 1.0),))}



class HistoryStage(CoreBuilder):
    def _end_outcome(self, rung: str, band: str) -> tuple[str, bool]:
        if band == "65+":
            table = _END_OLD_CARE_HOME if rung in ("Nursing", "Residential") else _END_OLD_COMMUNITY
        else:
            table = _END_YOUNG
        o = table[choose(self.rng, table)]
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
        acc = ACCOMMODATION_BY_RUNG.get(rung)
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
            prior_rung = options[choose(rng, options)][0]
            spec = TIER3_BY_RUNG[prior_rung]
            dur = spec.duration_months[0 if ep.band == "18-64" else 1] * MONTH_DAYS
            end = ep.start - 1
            start = end - max(30, int(rng.exponential(dur)))
            sup, out = self._pick_supplier(prior_rung, ep.band, end)
            cost = self.cell_mean_p[(prior_rung, ep.band)] * float(rng.lognormal(-0.045, 0.3)) * self.price_factor(end)
            # Adult social care: the earlier package starts no sooner than the person's 18th
            # birthday, and there is none for someone who came to the ladder at 18.
            start = max(start, adult_from(ep.person.dob))
            if end - start < 30:
                continue
            prior = Episode(ep.person, prior_rung, ep.band, start, end, MOVE_OUTCOME, int(cost), sup, out)
            self.episodes.append(prior)
