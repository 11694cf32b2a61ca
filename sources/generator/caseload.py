"""People and their care: long-term packages built backwards from the calibrated snapshot,
short-term services, contacts, assessments and reviews, and the ContrOCC lines that fund them.

The snapshot (the last day of the end month) is drawn first so it reproduces the published
figures; history is then added as a stationary flow: people who were already in a package when
the history window opened and people who started later, with exponential package lengths, end
before the snapshot (died, moved, ended, moved up the ladder)."""
from __future__ import annotations

import numpy as np

from .activity import ActivityStage
from .calibration import BANDS, addon_counts, round_preserving, stock_matrix
from .history import HistoryStage
from .lines import LinesStage
from .market import build_market
from .model import OPEN
from .people import Caseload, Episode, nhs_number
from .rungs import TIER3
from .snapshot import SnapshotStage

__all__ = ["Builder", "Caseload", "Episode", "nhs_number"]


class Builder(SnapshotStage, HistoryStage, LinesStage, ActivityStage):
    """Runs the stages in order and returns the caseload."""

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
        # the market is sized from the snapshot's users
        self.market = build_market(self.council, t, users, out_users, self.rng, self.H, self.T)
        self.closed = {r: [s for s in sups if s.close < OPEN] for r, sups in self.market.suppliers.items()}
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
        return Caseload(self.people, self.events, self.pieces, self.episodes)
