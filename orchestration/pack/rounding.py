"""Published rounding and cell text (pure functions).

Kinds: ``text``, ``count`` (whole number), ``money`` (pounds and pence, 2 dp as the marts' DECIMAL(18,2)), ``pct`` (1 dp), ``rate`` (1 dp),
``hours`` (1 dp), ``index`` (whole number, e.g. HHI), ``year`` (no separator), ``flag`` (Yes/No),
``date`` (ISO). Rounding is half-up on the decimal value (not banker's rounding, not binary float),
so the same mart value always publishes the same text.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from numbers import Number
from typing import Any

from orchestration.pack.suppression import SUPPRESSED

NOT_APPLICABLE = "[z]"
NOT_PUBLISHED = "[x]"  # the month was blocked from publication: never its numbers (revisions.py)
REVISED = "[r]"  # a figure revised since it was first published (revisions.py)

DECIMALS: dict[str, int] = {"count": 0, "money": 2, "pct": 1, "rate": 1, "hours": 1, "index": 0, "year": 0}

# openpyxl number formats per kind (xlsx cells hold the rounded number, formatted like this).
NUMBER_FORMATS: dict[str, str] = {
    "count": "#,##0",
    "money": "£#,##0.00",
    "pct": "0.0",
    "rate": "#,##0.0",
    "hours": "#,##0.0",
    "index": "#,##0",
    "year": "0",
}


def to_decimal(value: Number) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(int(value))


def round_half_up(value: Number, decimals: int) -> Decimal:
    quantum = Decimal(1).scaleb(-decimals)
    return to_decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def published_value(value: Any, kind: str) -> Any:
    """The value as published: rounded Decimal/int for numbers, text otherwise, markers kept.

    ``None`` -> ``[z]`` (not applicable / not available); ``[c]`` and ``[x]`` stay as they are."""
    if value is None:
        return NOT_APPLICABLE
    if isinstance(value, str) and value in (SUPPRESSED, NOT_PUBLISHED):
        return value
    if kind == "flag":
        return "Yes" if bool(value) else "No"
    if kind == "date":
        if isinstance(value, dt.datetime) and value.time() == dt.time():
            value = value.date()
        return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    if kind in DECIMALS and isinstance(value, Number) and not isinstance(value, bool):
        if isinstance(value, float) and value != value:  # NaN
            return NOT_APPLICABLE
        rounded = round_half_up(value, DECIMALS[kind])
        return int(rounded) if DECIMALS[kind] == 0 else rounded
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def csv_text(value: Any, kind: str) -> str:
    """The CSV text of a cell: plain digits, '.' decimal point, no thousands separator or '£'."""
    pub = published_value(value, kind)
    if isinstance(pub, Decimal):
        return format(pub, "f")
    return str(pub)


def xlsx_value(value: Any, kind: str) -> Any:
    """The xlsx cell value: a number (int/float of the rounded value) or the text/marker."""
    pub = published_value(value, kind)
    if isinstance(pub, Decimal):
        return float(pub)
    return pub
