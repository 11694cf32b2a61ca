"""Stage 3: providers over a package's life, reviews, and the ContrOCC lines that fund it
(a new line at each April uplift and each review that changes the package)."""
from __future__ import annotations

from datetime import date

import numpy as np

from .model import OPEN, Event, Piece, Supplier
from .people import MOVE_OUTCOME, CoreBuilder, Episode
from .rungs import APRIL_UPLIFTS, DEFAULT_UPLIFT, TIER3_BY_RUNG, TRANSPORT_ELEMENT
from .timeline import april_firsts

REVIEW_CHANGE = ((0.15, (1.08, 1.30)), (0.12, (0.75, 0.92)))  # (probability, factor range): up, down


class LinesStage(CoreBuilder):
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
                       outcome=(ep.outcome if last else MOVE_OUTCOME),
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

    def _transport_lines(self) -> None:
        """The odd ContrOCC line with no CLD event: transport to day opportunities."""
        rng = self.rng
        for pc in [p for p in self.pieces if p.element[0].startswith("DAY6") and p.event is not None]:
            if rng.random() < 0.08:
                self.pieces.append(Piece(self.agreement_id(), 1, None, pc.person, TRANSPORT_ELEMENT, pc.supplier,
                                         pc.start, pc.end, int(round(rng.uniform(6, 12) * 100)), 4 * int(rng.integers(1, 5)),
                                         "Unit", "LA", 0))
