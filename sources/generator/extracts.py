"""Monthly council extracts: LAS events in CLD layout, ContrOCC lines and payments."""
from __future__ import annotations

import zlib
from functools import lru_cache
from bisect import bisect_right
from collections.abc import Iterator

from sources.contracts import CONTROCC_PAYMENTS, CONTROCC_SERVICE_LINES, LAS_CLD

from .caseload import Caseload
from .geography import LocalAuthority
from .model import OPEN, Event, Piece
from .timeline import add_months, dmy, first_day, iso, last_day

COST_FREQUENCY = {"Week": "Weekly", "Hour": "Hourly", "Session": "Per session", "Night": "Daily",
                  "Day": "Daily", "Unit": "Weekly"}
# Release 2 spellings that are more than a change of case (SOURCES.md section 2)
R2_RENAMES = {
    "NFA - Deceased": "NFA: Deceased",
    "NFA - Information & Advice / Signposting only": "NFA: Information and advice or signposting",
    "No change in package": "Continuation of support or services",
}


def sentence_case(value: str) -> str:
    """Release 2 style: `Long Term Support: Nursing Care` -> `Long term support: Nursing care`.
    Acronyms (CASSR, ST-Max, LA, NHS) are kept."""
    parts = []
    for part in value.split(": "):
        words = part.split(" ")
        out = []
        for i, w in enumerate(words):
            keep = (len(w) > 1 and w.isupper()) or "-" in w or any(c.isdigit() for c in w)
            out.append(w if keep else (w[:1].upper() + w[1:].lower()) if i == 0 else w.lower())
        parts.append(" ".join(out))
    return ": ".join(parts)


@lru_cache(maxsize=None)
def r2(value: str) -> str:
    if not value:
        return value
    return R2_RENAMES.get(value) or sentence_case(value)


def stable_fraction(key: str) -> float:
    """A deterministic number in [0, 1) from a key (independent of process hash seeds)."""
    return (zlib.crc32(key.encode()) % 100_000) / 100_000.0


def money(pennies: int) -> str:
    sign = "-" if pennies < 0 else ""
    p = abs(pennies)
    return f"{sign}{p // 100}.{p % 100:02d}"


def units_text(quarters: int) -> str:
    if quarters % 4 == 0:
        return str(quarters // 4)
    return f"{quarters / 4:.2f}".rstrip("0")


@lru_cache(maxsize=None)
def q(value: str) -> str:
    """One field as the csv module writes it (RFC 4180 minimal quoting)."""
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def render(fields: list[str]) -> str:
    line = ",".join(fields)
    if '"' in line or "\n" in line or "\r" in line or line.count(",") != len(fields) - 1:
        return ",".join(q(f) for f in fields)
    return line


class CldWriter:
    """Lines of the rolling 12-month CLD file of a month.

    An event's text is the same in every file but for the reporting period, the date of death,
    the end date and outcome (once known) and the cost in force, so the fixed parts are rendered
    once per event and release."""

    header = LAS_CLD.column_names

    def __init__(self, council: LocalAuthority, caseload: Caseload, r2_from: tuple[int, int], r2_share: float = 0.7):
        self.council = council
        self.events = sorted(caseload.events, key=lambda e: (e.start, e.ref))
        self.starts = [e.start for e in self.events]
        self.r2_from = first_day(r2_from)
        self.r2_share = r2_share
        self._cache: dict[int, tuple[tuple[bool, int], str]] = {}
        self._r2_flags = [stable_fraction(e.ref) < r2_share for e in self.events]
        self._ends = [e.end for e in self.events]
        # days on which an event's text can change: its end, its person's death, each new line
        self._changes = [sorted({d for d in (e.end, e.person.dod, *(pc.start for pc in e.pieces))
                                 if d is not None and d != OPEN}) for e in self.events]

    def lines(self, ym: tuple[int, int]) -> Iterator[str]:
        rs, re_ = first_day(add_months(ym, -11)), last_day(ym)
        use_r2 = re_ >= self.r2_from
        hi = bisect_right(self.starts, re_)
        prefix = render([self.council.code, iso(rs), iso(re_)]) + ","
        cache, flags, ends, changes = self._cache, self._r2_flags, self._ends, self._changes
        for i in range(hi):
            if ends[i] < rs:
                continue
            state = (use_r2 and flags[i], bisect_right(changes[i], re_))
            hit = cache.get(i)
            if hit is None or hit[0] != state:
                ev = self.events[i]
                dod = ev.person.dod
                pc = _piece_at(ev.pieces, min(ev.end, re_)) if ev.pieces else None
                body = self._body(ev, state[0], ev.end <= re_, dod is not None and dod <= re_, pc)
                hit = cache[i] = (state, body)
            yield prefix + hit[1]

    def _body(self, ev: Event, rel2: bool, ended: bool, dod_known: bool, pc: Piece | None) -> str:
        a, b, c, _ = self._parts(ev, rel2)
        p = ev.person
        dod = iso(p.dod) if dod_known and p.dod is not None else ""
        if ended:
            mid = iso(ev.end) + "," + q(r2(ev.outcome) if rel2 else ev.outcome)
            achieved = q(ev.review_achieved)
        else:
            mid, achieved = ",", ""
        cost = ",,"
        if pc is not None:
            cost = f"{money(pc.rate_p)},{COST_FREQUENCY[pc.rate_unit]},{units_text(pc.units_q)}"
        return f"{a},{dod},{b},{mid},{c},{achieved},{cost}"

    @staticmethod
    def _parts(ev: Event, rel2: bool) -> tuple[str, str, str, str]:
        p = ev.person
        f = r2 if rel2 else (lambda v: v)
        service_type = component = delivery = loc_id = loc_name = ""
        if ev.etype == "Service":
            service_type = f(ev.service_type)
            component = ev.component_r2 if rel2 else ev.component_r1
            delivery = f(ev.delivery)
            if ev.location is not None:
                loc_id, loc_name = ev.location.loc_id, ev.location.name
        a = render([p.pid, p.nhs, p.gender, p.ethnicity, iso(p.dob)])
        b = render(["Service user" if rel2 else "Service User", f(p.psr), p.postcode, p.accommodation,
                    p.employment, p.carer, p.funding, ev.etype, ev.ref, iso(ev.start)])
        c = render([f(ev.route), ev.assessment_type, ev.eligible, service_type, component, delivery, loc_id,
                    loc_name, ev.review_reason])
        return a, b, c, ""


def _piece_at(pieces: list[Piece], day: int) -> Piece | None:
    found = None
    for pc in pieces:
        if pc.start <= day:
            found = pc
    return found


class ControccWriter:
    """Rows of the ContrOCC service-line and payment files of a month."""

    lines_header = CONTROCC_SERVICE_LINES.column_names
    payments_header = CONTROCC_PAYMENTS.column_names

    def __init__(self, caseload: Caseload, first_month: tuple[int, int], payment_day: int = 10):
        self.pieces = sorted(caseload.pieces, key=lambda p: (p.agreement, p.line_no))
        self.payment_day = payment_day
        self._line_cache: dict[tuple[int, bool], str] = {}
        self._active: dict[tuple[int, int], list[Piece]] = {}
        # no line file exists before it: releases and reissues of earlier periods are left out (the
        # first file still pays the month before it, as a real first extract would)
        self.first_month = first_month
        self._payment_seq = 0
        self._payment_month: tuple[int, int] | None = None

    def active(self, ym: tuple[int, int]) -> list[Piece]:
        """Lines active at any time in the month, in (agreement, line) order."""
        if ym not in self._active:
            ms, me = first_day(ym), last_day(ym)
            self._active[ym] = [pc for pc in self.pieces if pc.start <= me and pc.end >= ms]
        return self._active[ym]

    def line_lines(self, ym: tuple[int, int]) -> Iterator[str]:
        """Rendered service lines active in the month (cached per line and end-date state)."""
        me = last_day(ym)
        cache = self._line_cache
        for pc in self.active(ym):
            key = (id(pc), pc.end <= me)
            line = cache.get(key)
            if line is None:
                s = pc.supplier
                line = cache[key] = render([
                    pc.agreement, str(pc.line_no), pc.event.ref if pc.event else "", pc.person.pid,
                    pc.element[0], pc.element[1], s.sid, s.name, s.postcode, s.la.code,
                    s.location.loc_id if s.location else "", s.placement_la, dmy(pc.start),
                    dmy(pc.end) if pc.end <= me else "", money(pc.rate_p), pc.rate_unit, units_text(pc.units_q),
                    money(pc.weekly_p), pc.funding, money(pc.contribution_p),
                ])
            yield line

    @staticmethod
    def exception(pc: Piece, period: int) -> str:
        """'reverse', 'hold' or '' for a payment line (a stable, rare draw)."""
        x = stable_fraction(f"{pc.agreement}|{pc.line_no}|{period}")
        return "reverse" if x < 0.003 else "hold" if x < 0.004 else ""

    def _payment_id(self, ym: tuple[int, int]) -> str:
        """Numbered within the payment month, so any month can be written on its own."""
        if self._payment_month != ym:
            self._payment_month, self._payment_seq = ym, 0
        self._payment_seq += 1
        return f"PAY{ym[0]}{ym[1]:02d}{self._payment_seq:06d}"

    def _pay(self, pc: Piece, ym: tuple[int, int]) -> tuple[str, str, str, str, int]:
        ms, me = first_day(ym), last_day(ym)
        a, b = max(pc.start, ms), min(pc.end, me)
        days = b - a + 1
        amount = int(round(pc.weekly_p * days / 7))
        units = f"{pc.units_q / 4 * days / 7:.2f}"
        return dmy(a), dmy(b), units, f"INV-{pc.supplier.sid}-{ym[0]}{ym[1]:02d}", amount

    def payment_rows(self, ym: tuple[int, int]) -> Iterator[list[str]]:
        """Payments made in month ym: the previous month in arrears, plus last month's held
        payments released and reversals reissued."""
        y, m = ym
        paid_on = dmy(first_day(ym) + self.payment_day - 1)
        prev, prev2 = add_months(ym, -1), add_months(ym, -2)
        for pc in self.active(prev):
            a, b, units, inv, amount = self._pay(pc, prev)
            exc = self.exception(pc, first_day(prev))
            inv = inv if pc.element[0][:3] != "DPY" else ""
            status = "Held" if exc == "hold" else "Paid"
            yield [self._payment_id(ym), pc.agreement, str(pc.line_no), pc.supplier.sid, a, b, units,
                   money(amount), paid_on, status, inv]
        for pc in (self.active(prev2) if prev2 >= self.first_month else ()):
            exc = self.exception(pc, first_day(prev2))
            if not exc:
                continue
            a, b, units, inv, amount = self._pay(pc, prev2)
            inv = inv if pc.element[0][:3] != "DPY" else ""
            if exc == "reverse":
                yield [self._payment_id(ym), pc.agreement, str(pc.line_no), pc.supplier.sid, a, b, f"-{units}",
                       money(-amount), paid_on, "Reversed", inv]
            yield [self._payment_id(ym), pc.agreement, str(pc.line_no), pc.supplier.sid, a, b, units,
                   money(amount), paid_on, "Paid", inv + ("-R" if inv and exc == "reverse" else "")]
