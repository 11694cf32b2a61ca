from datetime import date

import pytest

from orchestration.months import add_months, month_end, month_label, months_between, parse_month, partition_key


def test_parse_month_accepts_label_and_partition_key() -> None:
    assert parse_month("2024-03") == date(2024, 3, 1)
    assert parse_month("2024-03-01") == date(2024, 3, 1)


@pytest.mark.parametrize("bad", ["2024-13", "2024-3", "24-03", "2024-03-02", "March"])
def test_parse_month_rejects_other_spellings(bad: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month(bad)


def test_month_arithmetic_across_year_and_leap_february() -> None:
    assert month_end("2024-02") == date(2024, 2, 29)
    assert month_end("2023-02") == date(2023, 2, 28)
    assert add_months("2023-12", 1) == date(2024, 1, 1)
    assert add_months("2024-01", -1) == date(2023, 12, 1)
    assert partition_key(date(2024, 3, 1)) == "2024-03-01"
    assert month_label("2024-03-01") == "2024-03"


def test_months_between_is_inclusive_and_ordered() -> None:
    assert months_between("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert months_between("2024-02", "2024-01") == []
