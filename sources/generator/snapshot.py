"""Stage 1: the snapshot (last day of the end month), drawn to reproduce the published figures."""
from __future__ import annotations

import math

import numpy as np

from .calibration import BANDS, round_preserving
from .model import OPEN
from .people import ACCOMMODATION_BY_RUNG, MONTH_DAYS, CoreBuilder, Episode
from .rungs import PSR_PRIOR, PSR_R1, TIER3, TIER3_BY_RUNG


class SnapshotStage(CoreBuilder):
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
        rising = share < target
        sign = 1 if rising else -1
        for band in BANDS:
            inside = sorted((e for e in eps if e.supplier.sid in top and e.band == band), key=lambda e: sign * e.cost_p)
            outside = sorted((e for e in eps if e.supplier.sid not in top and not e.out and e.band == band),
                             key=lambda e: -sign * e.cost_p)
            for a, b in zip(inside, outside):
                gain = sign * (b.cost_p - a.cost_p)
                if abs(share - target) < 0.3 or gain <= 0:
                    break
                step = 100.0 * (b.cost_p - a.cost_p) / total
                if abs(share + step - target) > abs(share - target):
                    continue
                share += step
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
        acc = ACCOMMODATION_BY_RUNG.get(e.rung)
        if acc:
            e.person.accommodation = acc
