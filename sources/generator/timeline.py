"""Dates as integer ordinals (fast arithmetic) and the few calendar helpers the generator needs."""
from __future__ import annotations

import calendar
import re
from datetime import date
from functools import lru_cache

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> tuple[int, int]:
    """`2024-03` -> (2024, 3); anything else is a ValueError."""
    m = _MONTH.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"not a month (expected YYYY-MM): {text!r}")
    return int(m.group(1)), int(m.group(2))


def add_months(ym: tuple[int, int], n: int) -> tuple[int, int]:
    idx = ym[0] * 12 + ym[1] - 1 + n
    return idx // 12, idx % 12 + 1


def month_label(ym: tuple[int, int]) -> str:
    return f"{ym[0]:04d}-{ym[1]:02d}"


def month_list(end: tuple[int, int], n: int) -> list[tuple[int, int]]:
    """The n months ending with `end`, oldest first."""
    return [add_months(end, i - n + 1) for i in range(n)]


def first_day(ym: tuple[int, int]) -> int:
    return date(ym[0], ym[1], 1).toordinal()


def last_day(ym: tuple[int, int]) -> int:
    return date(ym[0], ym[1], calendar.monthrange(ym[0], ym[1])[1]).toordinal()


def month_of(d: int) -> tuple[int, int]:
    x = date.fromordinal(d)
    return x.year, x.month


def april_firsts(start: int, end: int) -> list[int]:
    """Ordinals of every 1 April with start < day <= end."""
    y0, y1 = date.fromordinal(start).year, date.fromordinal(end).year
    return [o for y in range(y0, y1 + 1) if start < (o := date(y, 4, 1).toordinal()) <= end]


def add_years(d: int, years: int) -> int:
    x = date.fromordinal(d)
    try:
        return x.replace(year=x.year + years).toordinal()
    except ValueError:  # 29 February
        return x.replace(year=x.year + years, day=28).toordinal()


def age_at(dob: int, d: int) -> int:
    b, x = date.fromordinal(dob), date.fromordinal(d)
    return x.year - b.year - ((x.month, x.day) < (b.month, b.day))


@lru_cache(maxsize=None)
def iso(d: int) -> str:
    return date.fromordinal(d).isoformat()


@lru_cache(maxsize=None)
def dmy(d: int) -> str:
    x = date.fromordinal(d)
    return f"{x.day:02d}/{x.month:02d}/{x.year:04d}"


@lru_cache(maxsize=None)
def mdy(d: int) -> str:
    x = date.fromordinal(d)
    return f"{x.month:02d}/{x.day:02d}/{x.year:04d}"
