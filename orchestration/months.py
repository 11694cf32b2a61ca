"""Pure helpers between the three spellings of a month: `YYYY-MM` (folders, the CLI),
`YYYY-MM-01` (Dagster partition keys) and `datetime.date` (the warehouse)."""
from __future__ import annotations

import calendar
import re
from datetime import date

_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-01)?$")


def parse_month(text: str) -> date:
    """`2024-03` or `2024-03-01` -> date(2024, 3, 1); anything else is a ValueError."""
    m = _MONTH.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"not a month (expected YYYY-MM): {text!r}")
    return date(int(m.group(1)), int(m.group(2)), 1)


def month_label(d: date | str) -> str:
    d = parse_month(d) if isinstance(d, str) else d
    return f"{d.year:04d}-{d.month:02d}"


def partition_key(d: date | str) -> str:
    return month_label(d) + "-01"


def month_end(d: date | str) -> date:
    d = parse_month(d) if isinstance(d, str) else d
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def add_months(d: date | str, n: int) -> date:
    d = parse_month(d) if isinstance(d, str) else d
    idx = d.year * 12 + d.month - 1 + n
    return date(idx // 12, idx % 12 + 1, 1)


def months_between(first: date | str, last: date | str) -> list[str]:
    """Inclusive list of `YYYY-MM` labels from first to last."""
    a, b = (parse_month(x) if isinstance(x, str) else x for x in (first, last))
    out: list[str] = []
    while a <= b:
        out.append(month_label(a))
        a = add_months(a, 1)
    return out
