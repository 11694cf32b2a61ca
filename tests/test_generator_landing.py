"""The generated landing directory: contract headers and names, calibration to the published
Bristol figures (computed here with plain DuckDB SQL, independently of dbt), and the internal
consistency other areas rely on (lines <-> CLD events <-> CQC register, payments)."""
from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from sources.contracts import (ANNUAL_FILE_TYPES, CQC_HSCA_ACTIVE_LOCATIONS, MONTHLY_FILE_TYPES,
                               REFERENCE_FILE_TYPES)
from sources.generator import GeneratorConfig, generate
from sources.generator.calibration import PACKAGE_DATA
from sources.generator.cqc_header import HSCA_ACTIVE_LOCATIONS_HEADER

COUNCIL = "E06000023"
END = "2024-03"
MONTHS = 13
REFERENCE = Path(__file__).resolve().parent / "fixtures" / "reference"  # the published figures (PROVENANCE.md)
TIER3 = ("Nursing", "Residential", "Supported Accommodation", "Extra Care Housing", "Supported Living",
         "Home Care", "Day Care", "Adult Placement", "Direct Payments")


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    generate(GeneratorConfig(out=out, months=MONTHS, end_month=END))
    return out


@pytest.fixture(scope="module")
def con(landing: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute(f"""
        create table lines as
        select *, strptime("Start Date", '%d/%m/%Y')::date as s,
               coalesce(strptime(nullif("End Date", ''), '%d/%m/%Y')::date, date '2999-12-31') as e,
               regexp_extract(filename, '(\\d{{4}}-\\d{{2}})\\.csv$', 1) as fm
        from read_csv('{landing}/*/controcc_service_lines_*.csv', all_varchar=true, filename=true);
        create table rung_map as select * from read_csv('{landing}/reference/element_rung_map.csv', all_varchar=true);
        create table cld as select *, regexp_extract(filename, '(\\d{{4}}-\\d{{2}})\\.csv$', 1) as fm
        from read_csv('{landing}/*/las_cld_*.csv', all_varchar=true, filename=true);
        create table hsca as select *, regexp_extract(filename, '(\\d{{4}}-\\d{{2}})\\.csv$', 1) as fm
        from read_csv('{landing}/*/cqc_hsca_active_locations_*.csv', all_varchar=true, filename=true);
        create table pay as select *, regexp_extract(filename, '(\\d{{4}}-\\d{{2}})\\.csv$', 1) as fm
        from read_csv('{landing}/*/controcc_payments_*.csv', all_varchar=true, filename=true);
    """)
    snap = f"last_day(date '{END}-01')"
    c.execute(f"""
        create table cur as
        select l.*, m."Care Ladder Rung" as rung, "Weekly Cost"::decimal(18, 2) as wc,
               "Planned Units per Week"::double as units,
               date_diff('day', greatest(s, date '{END}-01'), least(e, {snap})) + 1 as days
        from lines l join rung_map m using ("Element Code")
        where fm = '{END}' and m."Care Ladder Rung" in {TIER3};
        create table snap_lines as select * from cur where s <= {snap} and e >= {snap};
        create table people as
        select "LA Person Unique Identifier" as pid, any_value("Date of Birth")::date as dob,
               lower(any_value("Primary Support Reason")) as psr
        from cld where fm = '{END}' group by 1;
    """)
    return c


def _read(name: str) -> list[dict[str, str]]:
    with open(REFERENCE / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def ladder() -> dict[str, dict[str, str]]:
    return {r["care_ladder_rung"]: r for r in _read("bristol_care_ladder_2023.csv")}


@pytest.fixture(scope="module")
def headlines() -> dict[str, float]:
    return {r["measure"]: float(r["value"]) for r in _read("bristol_headlines_2023.csv")}


def _header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return next(csv.reader(f))


# ----------------------------------------------------------------------------- contract
def test_every_month_folder_has_every_monthly_file_with_its_contract_header(landing: Path) -> None:
    months = sorted(p.name for p in landing.iterdir() if p.is_dir() and p.name not in ("reference", "scenarios"))
    assert len(months) == MONTHS and months[-1] == END and months[0] == "2023-03"
    for month in months:
        for ft in MONTHLY_FILE_TYPES:
            path = landing / month / ft.file_name(month)
            assert path.exists(), path
            header = _header(path)
            if ft is CQC_HSCA_ACTIVE_LOCATIONS:
                assert header == list(HSCA_ACTIVE_LOCATIONS_HEADER)
                assert set(ft.column_names) <= set(header)
            else:
                assert header == ft.column_names, path


def test_reference_and_annual_files_have_contract_headers(landing: Path) -> None:
    for ft in REFERENCE_FILE_TYPES:
        header = _header(landing / "reference" / ft.file_name())
        assert header[: len(ft.column_names)] == ft.column_names, ft.key
    surveys = sorted(landing.glob("*/ascs_responses_*.csv"))
    assert [p.parent.name for p in surveys] == ["2023-03", "2024-03"]
    for p in surveys:
        assert _header(p) == ANNUAL_FILE_TYPES[0].column_names


def test_files_are_utf8_lf_without_bom(landing: Path) -> None:
    for path in list(landing.glob(f"{END}/*.csv")) + list(landing.glob("reference/*.csv")):
        head = path.read_bytes()[:4096]
        assert not head.startswith(b"\xef\xbb\xbf") and b"\r\n" not in head, path


def test_weekly_cost_is_rate_times_units_to_the_penny(con: duckdb.DuckDBPyConnection) -> None:
    bad = con.execute("""
        select count(*) from lines
        where "Unit Rate"::decimal(18, 2) * "Planned Units per Week"::decimal(18, 4)
              <> "Weekly Cost"::decimal(18, 4)
    """).fetchone()[0]
    assert con.execute("select count(*) from lines").fetchone()[0] > 10_000
    assert bad == 0


def test_every_element_code_is_mapped_to_a_rung(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute("""select count(*) from lines where "Element Code" not in
                          (select "Element Code" from rung_map)""").fetchone()[0] == 0


def test_cqc_location_of_every_line_is_on_that_months_register(con: duckdb.DuckDBPyConnection) -> None:
    missing = con.execute("""
        select count(*) from lines l
        where "CQC Location ID" <> '' and not exists (
            select 1 from hsca h where h."Location ID" = l."CQC Location ID" and h.fm = l.fm)
    """).fetchone()[0]
    assert missing == 0


def test_every_long_term_service_event_open_at_month_end_has_a_funding_line(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(f"""
        with ev as (
            select "Event Reference" as ref from cld
            where fm = '{END}' and "Event Type" = 'Service' and lower("Service Type") like 'long term support%'
              and ("Event End Date" is null or "Event End Date"::date >= last_day(date '{END}-01')))
        select count(*), count(*) filter (where ref not in (select "Event Reference" from lines where fm = '{END}'))
        from ev
    """).fetchone()
    assert rows[0] > 5000 and rows[1] == 0


def test_cld_files_overlap_and_mix_release_1_and_2_spellings(con: duckdb.DuckDBPyConnection) -> None:
    refs_in_many = con.execute("""select count(*) from (select "Event Reference" from cld group by 1
                                  having count(distinct fm) >= 6)""").fetchone()[0]
    assert refs_in_many > 1000
    updated = con.execute("""select count(*) from (select "Event Reference" from cld group by 1
                             having count(distinct coalesce("Event End Date", '')) > 1)""").fetchone()[0]
    assert updated > 100
    spellings = {r[0] for r in con.execute('select distinct "Service Type" from cld').fetchall()}
    assert "Long Term Support: Nursing Care" in spellings and "Long term support: Nursing care" in spellings
    outcomes = {r[0] for r in con.execute('select distinct "Event Outcome" from cld').fetchall()}
    assert {"NFA - Deceased", "NFA: Deceased", "NFA: Information and advice or signposting"} <= outcomes


def test_payments_are_in_arrears_and_reconcile_with_committed_cost(con: duckdb.DuckDBPyConnection) -> None:
    month = "2024-02"
    paid, committed = con.execute(f"""
        with p as (select sum("Amount"::decimal(18, 2)) as paid from pay
                   where "Payment Status" in ('Paid', 'Reversed')
                     and strptime("Period Start", '%d/%m/%Y')::date >= date '{month}-01'
                     and strptime("Period End", '%d/%m/%Y')::date <= last_day(date '{month}-01')),
             c as (select sum("Weekly Cost"::decimal(18, 2) * (date_diff('day', greatest(s, date '{month}-01'),
                          least(e, last_day(date '{month}-01'))) + 1) / 7) as committed
                   from lines where fm = '{month}')
        select paid, committed from p, c
    """).fetchone()
    assert abs(float(paid) / float(committed) - 1) < 0.02
    statuses = {r[0] for r in con.execute('select distinct "Payment Status" from pay').fetchall()}
    assert {"Paid", "Reversed"} <= statuses
    assert con.execute("""select count(*) from pay where "Payment Status" = 'Reversed'
                          and "Amount"::decimal(18, 2) >= 0""").fetchone()[0] == 0
    orphan_reversals = con.execute("""
        select count(*) from pay r where "Payment Status" = 'Reversed' and not exists (
            select 1 from pay p where p."Payment Status" = 'Paid' and p.fm < r.fm
              and p."Service Agreement ID" = r."Service Agreement ID" and p."Line No" = r."Line No"
              and p."Period Start" = r."Period Start")
    """).fetchone()[0]
    assert orphan_reversals == 0
    arrears = con.execute("""select count(*) from pay where strptime("Period End", '%d/%m/%Y')::date
                             >= strptime("Payment Date", '%d/%m/%Y')::date""").fetchone()[0]
    assert arrears == 0


# ----------------------------------------------------------------------------- calibration
def test_care_ladder_shares_match_the_published_ladder(con: duckdb.DuckDBPyConnection, ladder) -> None:  # type: ignore[no-untyped-def]
    rows = con.execute("""
        with a as (select rung, count(distinct "LA Person Unique Identifier") as users from snap_lines group by 1),
             s as (select rung, sum(wc * days / 7) as spend from cur group by 1)
        select rung, 100 * users / sum(users) over (), 100 * spend / sum(spend) over () from a join s using (rung)
    """).fetchall()
    assert {r[0] for r in rows} == set(TIER3)
    for rung, pct_activity, pct_spend in rows:
        assert abs(pct_activity - float(ladder[rung]["pct_activity"])) <= 2.5, rung
        assert abs(float(pct_spend) - float(ladder[rung]["pct_spend"])) <= 2.5, rung


def test_providers_in_city_and_top5_shares(con: duckdb.DuckDBPyConnection, ladder) -> None:  # type: ignore[no-untyped-def]
    rows = con.execute(f"""
        with sp as (select rung, "Supplier ID" as sup, any_value("Supplier Local Authority") as la,
                           sum(wc * days / 7) as spend from cur group by 1, 2),
             ranked as (select *, row_number() over (partition by rung order by spend desc) as rn from sp)
        select rung, count(*) filter (where la = '{COUNCIL}'),
               100 * sum(spend) filter (where rn <= 5) / sum(spend)
        from ranked group by rung
    """).fetchall()
    checked = 0
    for rung, in_city, top5 in rows:
        ref = ladder[rung]
        if ref["providers_based_in_city"]:
            target = int(ref["providers_based_in_city"])
            assert abs(in_city - target) <= max(2, 0.1 * target), rung
            checked += 1
        if ref["top5_share_pct"]:
            assert abs(float(top5) - float(ref["top5_share_pct"])) <= 5, rung
    assert checked == 7


def test_service_users_by_age_band_and_support_reason(con: duckdb.DuckDBPyConnection, headlines) -> None:  # type: ignore[no-untyped-def]
    bands = dict(con.execute(f"""
        with p as (select distinct "LA Person Unique Identifier" as pid from snap_lines)
        select case when date_diff('year', dob, last_day(date '{END}-01'))
                         - (strftime(dob, '%m%d') > strftime(last_day(date '{END}-01'), '%m%d'))::int >= 65
                    then '65+' else '18-64' end, count(*)
        from p join people using (pid) group by 1
    """).fetchall())
    assert abs(bands["18-64"] / headlines["service_users_18_64"] - 1) <= 0.03
    assert abs(bands["65+"] / headlines["service_users_65_plus"] - 1) <= 0.03
    assert abs(sum(bands.values()) / headlines["service_users_long_term"] - 1) <= 0.03
    psr = dict(con.execute("""
        with p as (select distinct "LA Person Unique Identifier" as pid from snap_lines)
        select psr, count(*) from p join people using (pid) group by 1
    """).fetchall())
    assert abs(psr["learning disability support"] / headlines["service_users_psr_learning_disability"] - 1) <= 0.05
    assert abs(psr["mental health support"] / headlines["service_users_psr_mental_health"] - 1) <= 0.05


def test_home_care_hours_costs_spend_and_out_of_area(con: duckdb.DuckDBPyConnection, headlines) -> None:  # type: ignore[no-untyped-def]
    hours = con.execute("""select sum(units) from snap_lines where rung = 'Home Care' and "Rate Unit" = 'Hour'""").fetchone()[0]
    assert abs(hours / headlines["home_care_hours_per_week"] - 1) <= 0.03
    weekly, people = con.execute("""select sum(wc), count(distinct "LA Person Unique Identifier") from snap_lines""").fetchone()
    assert abs(float(weekly) / people / headlines["average_weekly_cost_per_service_user"] - 1) <= 0.03
    annual = con.execute(f"""
        select sum("Weekly Cost"::decimal(18, 2) * (date_diff('day', greatest(s, strptime(fm, '%Y-%m')::date),
                   least(e, last_day(strptime(fm, '%Y-%m')::date))) + 1) / 7)
        from lines l join rung_map m using ("Element Code")
        where m."Care Ladder Rung" in {TIER3} and fm > '2023-03'
    """).fetchone()[0]
    assert abs(float(annual) / headlines["market_spend"] - 1) <= 0.05
    ooa = dict(con.execute(f"""select rung, count(*) from snap_lines where "Placement Local Authority" <> '{COUNCIL}'
                               group by 1""").fetchall())
    assert abs(ooa["Residential"] / headlines["out_of_city_placements_residential"] - 1) <= 0.10
    assert abs(ooa["Supported Accommodation"] / headlines["out_of_city_placements_supported_accommodation"] - 1) <= 0.10


def test_unit_prices_rise_each_april(con: duckdb.DuckDBPyConnection) -> None:
    """The same open package costs more after 1 April than before it (annual uplift)."""
    rise = con.execute("""
        with before as (select "Event Reference" as ref, "Unit Rate"::decimal(18, 2) as r from lines
                        where fm = '2023-03' and e >= date '2023-03-31' and "Rate Unit" = 'Week'),
             after as (select "Event Reference" as ref, "Unit Rate"::decimal(18, 2) as r from lines
                       where fm = '2023-04' and s = date '2023-04-01' and "Rate Unit" = 'Week')
        select count(*), avg(a.r / b.r) from before b join after a using (ref)
    """).fetchone()
    assert rise[0] > 1000 and 1.03 < rise[1] < 1.10


def test_survey_scores(landing: Path) -> None:
    con = duckdb.connect()
    feel_safe, control, n = con.execute(f"""
        select 100 * sum("Weight"::double) filter (where "Q7b" = '1') / sum("Weight"::double) filter (where "Q7b" <> ''),
               100 * sum("Weight"::double) filter (where "Q3a" in ('1', '2')) / sum("Weight"::double) filter (where "Q3a" <> ''),
               count(*)
        from read_csv('{landing}/{END}/ascs_responses_2024.csv', all_varchar=true)
    """).fetchone()
    assert 83 <= feel_safe <= 92 and 72 <= control <= 82 and n >= 400


def test_keys_are_unique_within_each_file(con: duckdb.DuckDBPyConnection) -> None:
    checks = {
        "lines": '"Service Agreement ID", "Line No"',
        "cld": '"Event Reference"',
        "hsca": '"Location ID"',
    }
    for table, key in checks.items():
        n, distinct = con.execute(f"select count(*), count(distinct (fm, {key})) from {table}").fetchone()
        assert n == distinct, table
    n, distinct = con.execute('select count(*), count(distinct "Payment ID") from pay').fetchone()
    assert n == distinct


def test_the_generator_s_calibration_copy_is_the_published_figures_byte_for_byte() -> None:
    copies = sorted(PACKAGE_DATA.glob("*.csv"))
    assert [p.name for p in copies] == ["bristol_care_ladder_2023.csv", "bristol_headlines_2023.csv",
                                        "bristol_kpi_targets_2023.csv"]
    for copy in copies:
        assert copy.read_bytes() == (REFERENCE / copy.name).read_bytes(), copy.name
