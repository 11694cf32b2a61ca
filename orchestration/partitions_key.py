"""A council's month: the unit every check, decision and publication is about, and the key of
the Dagster partitions (`council|YYYY-MM`, a multi-partition key: council x month)."""
from __future__ import annotations

from typing import NamedTuple

from orchestration.months import month_label, parse_month


class Part(NamedTuple):
    council: str  # ONS code, e.g. E06000023
    month: str  # YYYY-MM

    @classmethod
    def of(cls, council: str, month: str) -> "Part":
        return cls(council.strip().upper(), month_label(parse_month(month)))

    @property
    def label(self) -> str:
        return f"{self.council} {self.month}"

    @property
    def partition_key(self) -> str:
        """The Dagster multi-partition key (dimensions in name order: council, month): `E06000023|2024-03`."""
        return f"{self.council}|{self.month}"

    @classmethod
    def from_partition_key(cls, key: str) -> "Part":
        council, month = str(key).split("|")
        return cls.of(council, month)
