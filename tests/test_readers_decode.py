"""Decode rules per kind (sources.decode), evaluated by DuckDB exactly as the loader does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from sources.contracts import Column
from sources.decode import CqcOrder, decode_value


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def ok(con, kind: str, raw: str, cqc: CqcOrder | None = None):
    value, reason = decode_value(con, Column("x", kind), raw, cqc)
    assert reason is None, reason
    return value


def bad(con, kind: str, raw: str, cqc: CqcOrder | None = None) -> str:
    _, reason = decode_value(con, Column("x", kind), raw, cqc)
    assert reason is not None, f"{raw!r} should be rejected as {kind}"
    return reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.50", "12.50"),
        ("  7 ", "7.00"),
        ("£1,234.50", "1234.50"),
        ("-£3", "-3.00"),
        ("£-3.1", "-3.10"),
        ("1234567.89", "1234567.89"),
        ("0", "0.00"),
        (".50", "0.50"),
        ("-£.5", "-0.50"),
    ],
)
def test_money_accepts_and_normalises(con, raw: str, expected: str) -> None:
    assert ok(con, "money", raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("1.2E+05", "scientific"),
        ("12.345", "2 decimal"),
        (".505", "2 decimal"),
        (".", "pounds"),
        ("1,23", "pounds"),
        ("(12.00)", "pounds"),
        ("$5", "pounds"),
        ("12 50", "pounds"),
        ("£", "pounds"),
        ("1" * 20, "range"),
    ],
)
def test_money_rejects(con, raw: str, words: str) -> None:
    assert words in bad(con, "money", raw)


def test_blank_is_null_in_every_kind(con) -> None:
    for kind in (
        "text",
        "code",
        "date_iso",
        "date_dmy",
        "date_cqc",
        "money",
        "number",
        "integer",
        "flag",
    ):
        assert decode_value(con, Column("x", kind), "  ") == (None, None)


def test_not_null_blank_rejected(con) -> None:
    assert decode_value(con, Column("x", "text", not_null=True), "") == (
        None,
        "required value is blank",
    )


def test_dates_iso_and_dmy(con) -> None:
    assert ok(con, "date_iso", "2025-03-31") == date(2025, 3, 31)
    assert ok(con, "date_iso", "2025-03-31 00:00:00") == date(2025, 3, 31)
    assert "YYYY-MM-DD" in bad(con, "date_iso", "31/03/2025")
    assert "YYYY-MM-DD" in bad(con, "date_iso", "2025-03-31 10:15")
    assert "calendar" in bad(con, "date_iso", "2025-02-29")
    assert ok(con, "date_dmy", "31/03/2025") == date(2025, 3, 31)
    assert ok(con, "date_dmy", "1/4/2025") == date(2025, 4, 1)
    assert "DD/MM/YYYY" in bad(con, "date_dmy", "2025-03-31")
    assert "calendar" in bad(con, "date_dmy", "31/04/2025")


def test_numbers_integers_flags(con) -> None:
    assert ok(con, "number", "7.5") == 7.5
    assert ok(con, "number", "1,234.5") == 1234.5
    assert "scientific" in bad(con, "number", "1.2E+05")
    assert ok(con, "integer", "1,234") == 1234
    # A whole number written from a float column (pandas writes `12.0` when a column has blanks)
    assert ok(con, "integer", "12.0") == 12 and ok(con, "integer", "1,200.00") == 1200
    assert "whole" in bad(con, "integer", "12.5")
    assert "whole" in bad(con, "integer", "12.")
    assert ok(con, "flag", "y") == "Y"
    assert "Y or blank" in bad(con, "flag", "N")


def test_cqc_order_inference() -> None:
    assert CqcOrder(0, 3).order == "MDY" and not CqcOrder(0, 3).mixed
    assert CqcOrder(3, 0).order == "DMY"
    assert CqcOrder(0, 0).order is None
    assert CqcOrder(5, 1).order == "DMY" and CqcOrder(5, 1).mixed
    assert CqcOrder(2, 2).order is None


def test_cqc_dates_follow_the_file_order(con) -> None:
    mdy, dmy = CqcOrder(0, 4), CqcOrder(4, 0)
    assert ok(con, "date_cqc", "05/29/2026", mdy) == date(2026, 5, 29)
    assert ok(con, "date_cqc", "03/04/2026", mdy) == date(2026, 3, 4)
    assert ok(con, "date_cqc", "03/04/2026", dmy) == date(2026, 4, 3)
    assert ok(con, "date_cqc", "3/4/2026 14:05:00", dmy) == date(2026, 4, 3)
    assert ok(con, "date_cqc", "03/04/2026 2:05:00 PM", dmy) == date(2026, 4, 3)
    assert ok(con, "date_cqc", "2026-05-29", dmy) == date(2026, 5, 29)
    assert ok(con, "date_cqc", "05/05/2026", None) == date(2026, 5, 5)  # same either way
    assert "contradicts" in bad(con, "date_cqc", "29/05/2026", mdy)
    assert "contradicts" in bad(con, "date_cqc", "05/29/2026", dmy)


def test_cqc_ambiguous_values_are_never_guessed(con) -> None:
    assert "ambiguous" in bad(con, "date_cqc", "03/04/2026", CqcOrder(0, 0))
    assert "mixes" in bad(con, "date_cqc", "03/04/2026", CqcOrder(5, 1))
    assert "mixes" in bad(con, "date_cqc", "29/05/2026", CqcOrder(2, 2))
    assert "not a valid date" in bad(con, "date_cqc", "13/13/2026", CqcOrder(0, 1))
    assert "DD/MM/YYYY" in bad(con, "date_cqc", "29 May 2026", CqcOrder(0, 1))
