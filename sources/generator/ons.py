"""ONS reference files in their published layouts, synthesised from each authority's census
totals (2011, 2021) and a plausible age structure."""
from __future__ import annotations

import zlib
from collections.abc import Iterator

import numpy as np

from sources.contracts import CENSUS_AGE_BANDS, CENSUS_TS007A, CENSUS_TS038, MYE_POPULATION, SNPP_POPULATION

from .calibration import round_preserving
from .geography import ENGLAND, ENGLAND_AND_WALES, LOCAL_AUTHORITIES, LocalAuthority

# England 2021, % of residents by 5-year band (0-4 ... 80-84, 85+)
_BASE_BANDS = np.array([5.4, 5.9, 6.0, 5.7, 6.0, 6.6, 6.9, 6.6, 6.3, 6.3, 6.9, 6.8, 5.9, 5.0, 5.0, 3.7, 2.5, 2.4])
TS038_EXTRA = (
    "Disability: Not disabled under the Equality Act",
    "Disability: Not disabled under the Equality Act: Has long term physical or mental health condition but day-to-day activities are not limited",
    "Disability: Not disabled under the Equality Act: No long term physical or mental health conditions",
)
SNPP_YEARS = tuple(range(2022, 2048))


def areas() -> list[LocalAuthority]:
    return [*LOCAL_AUTHORITIES, ENGLAND, ENGLAND_AND_WALES]


def population(la: LocalAuthority, year: int) -> int:
    growth = (la.pop_2021 / la.pop_2011) ** 0.1
    if year > 2021:
        growth = min(growth, 1.008)
        return int(round(la.pop_2021 * growth ** (year - 2021)))
    return int(round(la.pop_2011 * growth ** (year - 2011)))


def age_weights(la: LocalAuthority, year: int) -> np.ndarray:
    """Relative weights of single years of age 0..89 and 90+ (91 values)."""
    bands = _BASE_BANDS.copy()
    young = la.young_profile
    bump = np.zeros(18)
    bump[3], bump[4], bump[5], bump[6], bump[7] = 0.2, 0.65, 0.5, 0.3, 0.1
    bump[11:17] = -0.3
    bump[17] = -0.25
    bands *= 1 + young * bump
    old = max(0.0, (la.disabled_pct - 18.0) / 5.0)
    bands[13:] *= 1 + 0.35 * old
    # ageing: older bands grow about 1.5% a year relative to the rest
    bands[13:] *= 1.015 ** (year - 2021)
    bands[17] *= 1.01 ** (year - 2021)
    # a stable local wobble so neighbouring bands and areas are not identical
    bands *= np.array([1 + ((zlib.crc32(f"{la.code}{i}".encode()) % 1000) / 1000 - 0.5) * 0.08 for i in range(18)])
    single = np.repeat(bands[:17] / 5.0, 5)  # ages 0..84
    tail = bands[17] * np.array([0.19, 0.17, 0.15, 0.13, 0.11, 0.25])  # 85..89, 90+
    return np.concatenate([single, tail])


def single_year(la: LocalAuthority, year: int, total: int | None = None) -> np.ndarray:
    total = population(la, year) if total is None else total
    w = age_weights(la, year)
    return round_preserving(w / w.sum() * total, total)


def census_ts007a_rows() -> Iterator[list[str]]:
    assert CENSUS_TS007A.column_names[3:] == list(CENSUS_AGE_BANDS)
    for la in areas():
        ages = single_year(la, 2021, la.pop_2021)
        bands = [int(ages[i * 5:(i + 1) * 5].sum()) for i in range(17)] + [int(ages[85:].sum())]
        yield ["2021", la.ons_name, la.code, str(la.pop_2021), *map(str, bands)]


def census_ts038_header() -> list[str]:
    return [*CENSUS_TS038.column_names, *TS038_EXTRA]


def census_ts038_rows() -> Iterator[list[str]]:
    for la in areas():
        total = la.pop_2021
        disabled = int(round(total * la.disabled_pct / 100))
        a_lot = int(round(disabled * 0.44))
        not_disabled = total - disabled
        ltc = int(round(total * 0.068))
        yield ["2021", la.ons_name, la.code, str(total), str(disabled), str(a_lot), str(disabled - a_lot),
               str(not_disabled), str(ltc), str(not_disabled - ltc)]


def mye_rows(council: LocalAuthority, last_year: int) -> Iterator[list[object]]:
    """Nomis layout; every field quoted but the value (QUOTE_NONNUMERIC with text years)."""
    labels = [f"Age {a}" for a in range(90)] + ["Aged 90+"]
    for la in areas():
        for year in range(2011, last_year + 1):
            total = population(la, year)
            ages = single_year(la, year, total)
            genders = [("Total", ages)]
            if la.code == council.code:
                female_share = np.concatenate([np.full(60, 0.492), np.linspace(0.50, 0.72, 31)])
                female = np.round(ages * female_share).astype(int)
                genders += [("Male", ages - female), ("Female", female)]
            for gender, values in genders:
                yield [la.ons_name, la.code, str(year), gender, "All Ages", int(values.sum())]
                for label, v in zip(labels, values):
                    yield [la.ons_name, la.code, str(year), gender, label, int(v)]


def snpp_header() -> list[str]:
    return [*SNPP_POPULATION.column_names, *map(str, SNPP_YEARS)]


def snpp_rows() -> Iterator[list[str]]:
    labels = [str(a) for a in range(90)] + ["90 and over"]
    for la in [*LOCAL_AUTHORITIES, ENGLAND]:
        table = [single_year(la, y) for y in SNPP_YEARS]
        for i, label in enumerate(labels):
            yield [la.code, la.ons_name, "Population", "persons", label, *(str(int(t[i])) for t in table)]
        yield [la.code, la.ons_name, "Population", "persons", "All ages", *(str(int(t.sum())) for t in table)]


__all__ = ["MYE_POPULATION", "census_ts007a_rows", "census_ts038_header", "census_ts038_rows", "mye_rows",
           "snpp_header", "snpp_rows"]
