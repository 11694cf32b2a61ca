"""The demo generator writes adult social care only: no service starts before the person's 18th
birthday, and no contact, assessment or reablement before it either (the gate's `adult_age`
check blocked eight months of a 10-council benchmark: the earlier packages of people who moved
up the ladder, and the contacts and reablement before a first package, were not held to
adulthood). The whole 10-council run was checked by hand; this test keeps one of its councils."""
from datetime import date
from pathlib import Path

import duckdb
import pytest

from sources.generator.geography import councils_for_run
from sources.generator.landing import generate_council
from sources.generator.people import adult_from

SEED = 20240331


def test_adult_from_is_the_18th_birthday() -> None:
    assert adult_from(date(2003, 11, 3).toordinal()) == date(2021, 11, 3).toordinal()
    assert adult_from(date(2000, 2, 29).toordinal()) == date(2018, 3, 1).toordinal()
    assert adult_from(date(2001, 12, 31).toordinal()) == date(2019, 12, 31).toordinal()


@pytest.fixture(scope="module")
def north_somerset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 4th council of a `--councils 10` run (North Somerset), whose people included two
    children with adult long-term support before the fix."""
    index, la = 3, councils_for_run("E06000023", 10)[3]
    assert la.code == "E06000025"
    out = tmp_path_factory.mktemp("north_somerset")
    generate_council(la, out, 36, "2024-03", SEED, index)
    return out


@pytest.mark.extended  # a regression case of one council; the gate adult_age checks every month refreshed
def test_no_event_starts_before_the_persons_18th_birthday(north_somerset: Path) -> None:
    """Services, and the requests, assessments and reablement that lead to them."""
    con = duckdb.connect()
    children = con.execute(f"""
        select distinct "Event Reference", "Event Type", "Date of Birth", "Event Start Date"
        from read_csv('{north_somerset}/*/las_cld_*.csv', all_varchar=true, header=true)
        where "Event Start Date"::date < "Date of Birth"::date + interval 18 year
    """).fetchall()
    assert children == []


def test_every_person_is_an_adult_at_every_reporting_period_end(north_somerset: Path) -> None:
    con = duckdb.connect()
    under_18 = con.execute(f"""
        select count(*)
        from read_csv('{north_somerset}/*/las_cld_*.csv', all_varchar=true, header=true)
        where "Reporting Period End Date"::date < "Date of Birth"::date + interval 18 year
    """).fetchone()[0]
    assert under_18 == 0
